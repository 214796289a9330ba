export * from './testDatabase.js';
export * from './testConfig.js';
