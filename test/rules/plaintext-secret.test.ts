import { describe, expect, it } from 'vitest';
import { secretKind, secretKeyKind, secretValueKind } from '../../src/checker/rules/secret-patterns.js';
import { rule } from '../../src/checker/rules/plaintext-secret.js';
import type { Policy } from '../../src/model/types.js';
import { BASE_HEADER, findingsOf, testRule } from './rule-tester.js';

/** BASE_HEADER is 21 lines; `db:` is line 23, its first field line 24. */
const svc = (body: string, header = BASE_HEADER) =>
  `${header}services:\n  db:\n    kind: postgresql\n    tier: tier1\n    schedule: hourly\n${body}`;
const PG = (extra: string) => `    postgresql: { host: db.internal, port: 5432, database: app, user: backup${extra} }\n`;

// Fake credentials with the real shapes (not real keys).
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AGE_IDENTITY = 'AGE-SECRET-KEY-1QQQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS4TJ7S0';

testRule('plaintext-secret', {
  valid: [
    { name: 'the base policy (age public key, KMS alias)', code: svc(PG('')) },
    {
      name: 'passphrase_env names a variable',
      code: svc(PG(''), BASE_HEADER.replace(/client_side: \{[^\n]*\}/, 'client_side: { method: openssl, passphrase_env: DRC_BACKUP_PASSPHRASE }')),
    },
    { name: 'keys ending in _env or _file name where the secret lives', code: svc(PG(', password_file: /run/secrets/pg, token_env: API_TOKEN')) },
    { name: 'a password that is a reference to a variable', code: svc(PG(", password: '${PGPASSWORD}'")) },
    { name: 'an empty password', code: svc(PG(", password: ''")) },
    { name: 'a URL without a password, and one whose password is a placeholder', code: svc(PG('') + "    labels: { docs: 'https://user@wiki.example/db', dsn: 'postgres://backup:${PGPASSWORD}@db/app' }\n") },
    { name: 'a runbook URL with a port and an @ in the path', code: `${BASE_HEADER}monitoring:\n  runbook_url: https://runbooks.example:8443/dr/@team/{service}\n` },
  ],
  invalid: [
    {
      name: 'a password in the postgresql block: message without the secret',
      code: svc(PG(', password: hunter2hunter2')),
      errors: [{ line: 27, column: 89, path: '/services/db/postgresql/password', message: 'plaintext secret in /services/db/postgresql/password (a password): reference it from the environment instead' }],
    },
    {
      name: 'an age identity instead of a recipient',
      code: svc(PG(''), BASE_HEADER.replace(/recipients: \[age1[a-z0-9]+\]/, `recipients: [${AGE_IDENTITY}]`)),
      errors: [{ line: 11, column: 44, path: '/encryption/client_side/recipients/0', message: 'plaintext secret in /encryption/client_side/recipients/0 (an AGE-SECRET-KEY)' }],
    },
    {
      name: 'an AWS access key id anywhere (in a label, double-quoted)',
      code: svc(PG('') + `    labels: { note: "key ${AKID} rotated" }\n`),
      errors: [{ line: 28, column: 21, path: '/services/db/labels/note', message: '(an AWS access key id)' }],
    },
    {
      name: 'an AWS secret access key under an aws_secret key',
      code: svc(PG('') + `    labels: { aws_secret_access_key: '${AWS_SECRET}' }\n`),
      errors: [{ line: 28, path: '/services/db/labels/aws_secret_access_key', message: '(an AWS secret access key)' }],
    },
    {
      name: 'a PEM private key in a block scalar',
      code: svc(PG('') + '    labels:\n      key: |\n        -----BEGIN OPENSSH PRIVATE KEY-----\n        b3BlbnNzaC1rZXktdjEAAAAA\n        -----END OPENSSH PRIVATE KEY-----\n'),
      errors: [{ line: 29, path: '/services/db/labels/key', message: 'plaintext secret in /services/db/labels/key (a PEM private key)' }],
    },
    {
      name: 'a URL with an inline password',
      code: svc(PG('') + "    labels: { dsn: 'postgres://backup:s3cr3t@db.internal:5432/app' }\n"),
      errors: [{ line: 28, path: '/services/db/labels/dsn', message: '(a URL with an inline password)' }],
    },
    {
      name: 'secret-named keys at any depth, each reported',
      code: svc(PG('') + '    labels:\n      api_key: abc123\n      nested: { deeper: [ { token: t0k3n } ] }\n'),
      errors: [
        { line: 29, column: 16, path: '/services/db/labels/api_key', message: '(an API key)' },
        { line: 30, path: '/services/db/labels/nested/deeper/0/token', message: '(a token)' },
      ],
    },
    {
      name: 'a secret in a mapping key is reported at its mapping without repeating it',
      code: svc(PG('') + `    labels: { ${AKID}: owner }\n`),
      errors: [{ line: 28, column: 5, path: '/services/db/labels', message: 'plaintext secret in a key of /services/db/labels (an AWS access key id)' }],
    },
  ],
});

describe('plaintext-secret: messages never contain the secret', () => {
  it('for every kind', () => {
    const secrets = ['hunter2hunter2', AKID, AWS_SECRET, AGE_IDENTITY, 's3cr3tpass'];
    const code = svc(
      PG(', password: hunter2hunter2') +
        `    labels: { a: ${AKID}, aws_secret: '${AWS_SECRET}', b: ${AGE_IDENTITY}, c: 'https://u:s3cr3tpass@h.example/' }\n`,
    );
    const found = findingsOf('plaintext-secret', code);
    expect(found).toHaveLength(5);
    for (const d of found) for (const s of secrets) expect(`${d.message} ${d.hint ?? ''}`).not.toContain(s);
  });
});

describe('secret-patterns', () => {
  it('classifies keys', () => {
    expect(secretKeyKind('password')).toBe('a password');
    expect(secretKeyKind('DB_PASSWORD')).toBe('a password');
    expect(secretKeyKind('passphrase')).toBe('a passphrase');
    expect(secretKeyKind('passphrase_env')).toBeNull();
    expect(secretKeyKind('identity_file')).toBeNull();
    expect(secretKeyKind('kms_key')).toBeNull();
    expect(secretKeyKind('private_key')).toBe('a private key');
    expect(secretKeyKind('client-secret')).toBe('a secret');
    expect(secretKeyKind('access_key')).toBe('an access key');
    expect(secretKeyKind('tokens')).toBeNull();
  });
  it('classifies values', () => {
    expect(secretValueKind('ASIA' + 'Y'.repeat(16))).toBe('an AWS access key id');
    expect(secretValueKind('XAKIAIOSFODNN7EXAMPLE')).toBeNull();
    expect(secretValueKind('-----BEGIN RSA PRIVATE KEY-----\nMII')).toBe('a PEM private key');
    expect(secretValueKind('-----BEGIN PUBLIC KEY-----\nMII')).toBeNull();
    expect(secretValueKind('age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq')).toBeNull();
    expect(secretValueKind('https://runbooks.example/dr/{service}')).toBeNull();
    expect(secretValueKind('mysql://root:<password>@db/x')).toBeNull();
    expect(secretValueKind('redis://:hunter2@cache:6379')).toBe('a URL with an inline password');
    expect(secretKind('aws_secret_access_key', AWS_SECRET)).toBe('an AWS secret access key');
    expect(secretKind('password', 'env:PGPASSWORD')).toBeNull();
  });
});

describe('plaintext-secret: performance', () => {
  it('walks a 10,000-service policy well under 100 ms', () => {
    const services: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) {
      services[`service-${i}`] = {
        title: `Service number ${i} of the estate`,
        kind: 'postgresql',
        tier: 'tier1',
        owner: `team-${i % 50}@example.com`,
        postgresql: { host: `db-${i}.prod.internal.example.com`, port: 5432, database: `app_${i}`, user: 'backup', pitr: true },
        schedule: 'daily at 02:30',
        data_size: '200GiB',
        restore_rate: '300MiB/s',
        storage: 'backups',
        retention: { keep: { hourly: 24, daily: 30, monthly: 12 } },
        labels: { pci: 'true', team: `team-${i % 50}`, runbook: `https://runbooks.example.com/dr/service-${i}` },
        encryption: { client_side: { method: 'openssl', passphrase_env: 'DRC_BACKUP_PASSPHRASE' } },
        paths: ['/var/lib/app', '/etc/app'],
      };
    }
    const raw = { version: 1, name: 'big', services };
    const policy = { raw } as unknown as Policy;
    let count = 0;
    rule.check(policy, () => count++); // warm up
    const start = performance.now();
    for (let i = 0; i < 5; i++) rule.check(policy, () => count++);
    const perRun = (performance.now() - start) / 5;
    expect(count).toBe(0);
    expect(perRun).toBeLessThan(100);
  });
});
