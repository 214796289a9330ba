export * from './testDatabase.js';
export * from './testConfig.js';
export * from './testRedis.js';
