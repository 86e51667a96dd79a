import { BASE_HEADER, testRule } from './rule-tester.js';

const CLIENT_SIDE_LINE = BASE_HEADER.split('\n').find((l) => l.startsWith('  client_side:'))! + '\n';
/** BASE_HEADER without client-side encryption: 20 lines, so `services:` is line 21 and `db:` line 22. */
const NO_CS = BASE_HEADER.replace(CLIENT_SIDE_LINE, '');
const PG = '    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }\n    tier: tier1\n';
const svc = (header: string, body = '') => `${header}services:\n  db:\n${PG}${body}`;

testRule('encryption-required', {
  valid: [
    { name: 'SSE-KMS and age', code: svc(BASE_HEADER) },
    { name: 'SSE-KMS only', code: svc(NO_CS) },
    { name: 'SSE-S3 only', code: svc(NO_CS.replace('at_rest: aws:kms', 'at_rest: AES256')) },
    { name: 'at rest none but client-side age', code: svc(BASE_HEADER.replace('at_rest: aws:kms', 'at_rest: none')) },
    {
      name: 'service switches to aws:kms and inherits the policy kms_key',
      code: svc(BASE_HEADER, '    encryption: { at_rest: aws:kms }\n'),
    },
    {
      name: 'client-side from defaults covers at_rest none',
      code: svc(NO_CS.replace('at_rest: aws:kms', 'at_rest: none').replace('tiers:\n', 'defaults:\n  encryption:\n    client_side: { method: openssl, passphrase_env: DRC_PASS }\ntiers:\n')),
    },
    {
      name: 'an invalid at_rest value is the schema\'s finding, not a cascade',
      code: svc(NO_CS.replace('at_rest: aws:kms', 'at_rest: kms')),
    },
    {
      name: 'an invalid client-side method is the schema\'s finding, not a cascade',
      code: svc(BASE_HEADER.replace('at_rest: aws:kms', 'at_rest: none').replace('method: age', 'method: gpg')),
    },
    {
      name: 'aws:kms without kms_key at policy level: the schema reports the block once, not this rule per service',
      code:
        NO_CS.replace('  kms_key: alias/backup\n', '') +
        `services:\n  db:\n${PG}  web:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n`,
    },
    {
      name: 'age without recipients: the schema\'s finding (no cascade)',
      code: svc(BASE_HEADER, '    encryption:\n      client_side: { method: age }\n'),
    },
    {
      name: 'age with an empty recipients list in defaults: the schema\'s finding (no cascade)',
      code: svc(NO_CS.replace('tiers:\n', 'defaults:\n  encryption:\n    client_side: { method: age, recipients: [] }\ntiers:\n')),
    },
    {
      name: 'openssl without passphrase_env: the schema\'s finding (no cascade)',
      code: svc(NO_CS.replace('  kms_key: alias/backup\n', '  kms_key: alias/backup\n  client_side: { method: openssl }\n')),
    },
  ],
  invalid: [
    {
      name: 'no encryption at all (policy at_rest none, no client-side): at the service',
      code: svc(NO_CS.replace('at_rest: aws:kms', 'at_rest: none')),
      errors: [{ line: 22, column: 3, path: '/services/db/encryption', message: 'db: backups are not encrypted (at_rest none, no client-side encryption)' }],
    },
    {
      name: 'no encryption block anywhere',
      code: `version: 1\nname: p\nservices:\n  db:\n    kind: files\n    paths: [/srv]\n`,
      errors: [{ line: 4, column: 3, path: '/services/db/encryption', message: 'db: backups are not encrypted' }],
    },
    {
      name: 'service turns both off',
      code: svc(BASE_HEADER, '    encryption: { at_rest: none, client_side: { method: none } }\n'),
      errors: [{ line: 27, column: 17, path: '/services/db/encryption', message: 'db: backups are not encrypted (at_rest none, no client-side encryption)' }],
    },
    {
      name: 'inherited from defaults: still reported at the service',
      code:
        NO_CS.replace('tiers:\n', 'defaults:\n  encryption: { at_rest: none }\ntiers:\n') +
        `services:\n  db:\n${PG}  web:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n    encryption: { at_rest: AES256 }\n`,
      errors: [{ line: 24, column: 3, path: '/services/db/encryption', message: 'db: backups are not encrypted' }],
    },
    {
      name: 'aws:kms without kms_key on a service: at that block\'s at_rest',
      code: svc(NO_CS.replace('at_rest: aws:kms\n  kms_key: alias/backup\n', 'at_rest: AES256\n'), '    encryption:\n      at_rest: aws:kms\n'),
      errors: [{ line: 26, column: 16, path: '/services/db/encryption/at_rest', message: 'db: at_rest aws:kms needs a kms_key' }],
    },
  ],
});
