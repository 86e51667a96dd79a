// The test harness: real components (moto_server, PostgreSQL 15, pgBackRest's TLS proxy, CLI
// tools) on loopback. See docs/testing.md.
export * from './tools.js';
export * from './ports.js';
export * from './tmp.js';
export * from './moto.js';
export * from './postgres.js';
export * from './tls-proxy.js';
export * from './fixtures.js';
export * from './shared.js';
