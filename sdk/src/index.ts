export * from './manifest/ExtensionManifest.js';
export * from './manifest/validateManifest.js';
export * from './manifest/toolArguments.js';
export * from './defineExtension.js';
export * from './protocol/messages.js';
export * from './protocol/grants.js';
export * from './protocol/hostParams.js';
export * from './signing/index.js';
