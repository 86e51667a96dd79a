import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER: policy-level aws:kms with replica_kms_keys for us-west-2 (line 10); storage `backups` in us-east-1 with
// its replica in us-west-2 on line 18, or 17 without the replica_kms_keys line, 16 with AES (region value at column 46).
const NO_REPLICA_KEYS = BASE_HEADER.replace('  replica_kms_keys: { us-west-2: alias/backup-usw2 }\n', '');
const AES = NO_REPLICA_KEYS.replace('  at_rest: aws:kms\n  kms_key: alias/backup\n', '  at_rest: AES256\n');
const svc = (name: string, body: string) => `  ${name}:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n    tier: tier1\n${body}`;
const services = (...list: string[]) => `services:\n${list.join('')}`;
// The storage target in us-west-2 (not the policy's primary region), its replica in us-east-1 (the primary).
const WEST = BASE_HEADER.replace('    bucket: test-backups-use1\n    region: us-east-1\n', '    bucket: test-backups-usw2\n    region: us-west-2\n').replace(
  '      - { bucket: test-backups-usw2, region: us-west-2 }\n',
  '      - { bucket: test-backups-use1, region: us-east-1 }\n',
);

testRule('replica-kms-key', {
  valid: [
    { name: 'a key for the replica region', code: BASE_HEADER + services(svc('db', '')) },
    { name: 'SSE-S3 needs no key', code: AES + services(svc('db', '')) },
    {
      name: 'the only service using the storage overrides to SSE-S3',
      code: NO_REPLICA_KEYS + services(svc('db', '    encryption: { at_rest: AES256 }\n')),
    },
    {
      name: 'the service supplies the replica key itself',
      code: NO_REPLICA_KEYS + services(svc('db', '    encryption: { replica_kms_keys: { us-west-2: alias/db-usw2 } }\n')),
    },
    { name: 'no replicas', code: NO_REPLICA_KEYS.replace('    replicas:\n      - { bucket: test-backups-usw2, region: us-west-2 }\n', '') + services(svc('db', '')) },
    {
      // kms_key is the primary region's key, for every bucket there: the replica in us-east-1 needs no replica_kms_keys entry.
      name: 'a storage outside the primary region, its replica in the primary region: kms_key',
      code: WEST.replace('  replica_kms_keys: { us-west-2: alias/backup-usw2 }\n', '') + services(svc('db', '')),
    },
    { name: 'unknown replica region: unknown-reference reports it', code: NO_REPLICA_KEYS.replace('region: us-west-2 }', 'region: us-weast-2 }') + services(svc('db', '')) },
  ],
  invalid: [
    {
      name: 'a storage outside the primary region, its replica in a third region without a key',
      code: WEST.replace('region: us-east-1 }', 'region: eu-west-1 }') + services(svc('db', '')),
      errors: [{ line: 18, path: '/storage/backups/replicas/0/region', message: 'backups: replica in eu-west-1 has no KMS key; add encryption.replica_kms_keys.eu-west-1' }],
    },
    {
      name: 'policy-level SSE-KMS without a replica key',
      code: NO_REPLICA_KEYS + services(svc('db', '')),
      errors: [
        {
          line: 17,
          column: 46,
          path: '/storage/backups/replicas/0/region',
          severity: 'error',
          message: 'backups: replica in us-west-2 has no KMS key; add encryption.replica_kms_keys.us-west-2',
        },
      ],
    },
    {
      name: 'a service\'s own SSE-KMS',
      code: AES + services(svc('db', '    encryption: { at_rest: aws:kms, kms_key: alias/db }\n')),
      errors: [{ line: 16, path: '/storage/backups/replicas/0/region', message: 'replica in us-west-2 has no KMS key' }],
    },
    {
      name: 'SSE-KMS from defaults',
      code: AES + 'defaults:\n  encryption: { at_rest: aws:kms, kms_key: alias/backup }\n' + services(svc('db', '')),
      errors: [{ line: 16, path: '/storage/backups/replicas/0/region', message: 'add encryption.replica_kms_keys.us-west-2' }],
    },
    {
      name: 'a storage target no service uses: the policy-level encryption',
      code: NO_REPLICA_KEYS + services(svc('db', '    encryption: { at_rest: AES256 }\n    storage: other\n')),
      errors: [{ line: 17, path: '/storage/backups/replicas/0/region', message: 'backups: replica in us-west-2' }],
    },
    {
      name: 'only the replica without a key; once, however many services',
      code:
        BASE_HEADER.replace(
          '      - { bucket: test-backups-usw2, region: us-west-2 }\n',
          '      - { bucket: test-backups-usw2, region: us-west-2 }\n      - { bucket: test-backups-euw1, region: eu-west-1 }\n',
        ) + services(svc('db', ''), svc('web', ''), svc('api', '    encryption: { kms_key: alias/api }\n')),
      errors: [{ line: 19, column: 46, path: '/storage/backups/replicas/1/region', message: 'backups: replica in eu-west-1 has no KMS key; add encryption.replica_kms_keys.eu-west-1' }],
    },
    {
      name: 'one service of several lacks the key',
      code: BASE_HEADER + services(svc('db', ''), svc('web', '    encryption: { replica_kms_keys: { eu-west-1: alias/web-euw1 } }\n')),
      errors: [{ line: 18, path: '/storage/backups/replicas/0/region', message: 'us-west-2 has no KMS key' }],
    },
  ],
});
