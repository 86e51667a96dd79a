import { BASE_HEADER, testRule } from './rule-tester.js';

const CLIENT_SIDE_LINE = BASE_HEADER.split('\n').find((l) => l.startsWith('  client_side:'))! + '\n';
const TIER2 = '  tier2: { title: Standard, rto: 8h, rpo: 24h, retention: 7d, restore_test: monthly }\n';
/** BASE_HEADER without client-side encryption, plus a non-immutable tier2: 21 lines; `db:` is line 23. */
const NO_CS = BASE_HEADER.replace(CLIENT_SIDE_LINE, '') + TIER2;
const WITH_CS = BASE_HEADER + TIER2;
const svc = (header: string, body: string) =>
  `${header}services:\n  db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }\n${body}`;

testRule('client-side-encryption', {
  valid: [
    { name: 'production service with age', code: svc(WITH_CS, '    tier: tier1\n') },
    { name: 'staging service in a mutable tier without client-side', code: svc(NO_CS, '    tier: tier2\n    environment: staging\n') },
    {
      name: 'client-side openssl on the service',
      code: svc(NO_CS, '    tier: tier1\n    encryption:\n      client_side: { method: openssl, passphrase_env: DB_PASS }\n'),
    },
    {
      name: 'an invalid environment is not assumed to be production (no cascade)',
      code: svc(NO_CS, '    tier: tier2\n    environment: prod\n'),
    },
    {
      name: 'an unknown tier does not make the service immutable',
      code: svc(NO_CS, '    tier: tierX\n    environment: development\n'),
    },
  ],
  invalid: [
    {
      name: 'production service (the default environment) with SSE-KMS only',
      code: svc(NO_CS, '    tier: tier2\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/encryption', message: 'db: backups are not encrypted client-side (only at rest, aws:kms), and it holds production data', severity: 'warning' }],
    },
    {
      name: 'staging service in an immutable tier',
      code: svc(NO_CS, '    tier: tier1\n    environment: staging\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/encryption', message: 'tier tier1 is immutable' }],
    },
    {
      name: 'service turns client-side off: at its encryption block',
      code: svc(WITH_CS, '    tier: tier1\n    encryption: { client_side: { method: none } }\n'),
      errors: [{ line: 28, column: 17, path: '/services/db/encryption', message: 'db: backups are not encrypted client-side' }],
    },
    {
      name: 'immutable from defaults',
      code: svc(NO_CS + 'defaults:\n  immutable: true\n', '    tier: tier2\n    environment: test\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/encryption', message: 'its backups are immutable' }],
    },
    {
      name: 'no encryption at all is also a warning here (encryption-required adds the error)',
      code: `version: 1\nname: p\nservices:\n  db:\n    kind: files\n    paths: [/srv]\n`,
      errors: [{ line: 4, column: 3, path: '/services/db/encryption', message: 'db: backups are not encrypted client-side (nor at rest)' }],
    },
  ],
});
