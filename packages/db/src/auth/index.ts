export * from './auth.mapper.js';
export * from './auth-token.repository.js';
export * from './login-failure.repository.js';
export * from './session.doc.js';
export * from './session.repository.js';
