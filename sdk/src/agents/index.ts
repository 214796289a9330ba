export * from './load/index.js';
export * from './validate/index.js';
export * from './review/index.js';
export * from './compile/index.js';
export * from './layout/index.js';
