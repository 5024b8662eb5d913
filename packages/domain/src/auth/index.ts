export * from './auth.records.js';
export * from './auth.rules.js';
export * from './auth.schemas.js';
export * from './common-passwords.js';
export * from './device.js';
export * from './lockout.js';
export * from './password-policy.js';
export * from './refresh.decide.js';
