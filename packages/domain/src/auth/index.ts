export * from './auth.schemas.js';
export * from './common-passwords.js';
export * from './device.js';
export * from './lockout.js';
export * from './password-policy.js';
