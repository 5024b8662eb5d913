export * from './ferretdb.js';
