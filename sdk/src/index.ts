export * from './manifest/ExtensionManifest.js';
export * from './manifest/validateManifest.js';
