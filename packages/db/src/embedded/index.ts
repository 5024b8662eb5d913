export * from './exit-with-parent.js';
export * from './ferretdb.js';
