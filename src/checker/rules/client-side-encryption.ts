import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';
import { encryptionUnknown, hasClientSide } from './encryption-required.js';

/** Warns when production or immutable backups rely on server-side encryption alone. */
export const rule: Rule = {
  meta: {
    id: 'client-side-encryption',
    severity: 'warning',
    description: 'A production service, or one whose tier is `immutable`, whose backups are not encrypted client-side (age or openssl).',
    rationale:
      'Server-side encryption (SSE-S3, SSE-KMS) protects against someone reading the disks, not against someone who can read the bucket: ' +
      'S3 decrypts for every principal with `s3:GetObject` (and, for SSE-KMS, `kms:Decrypt`). Client-side encryption (`client_side.method: age` ' +
      'or `openssl`) means the storage provider and anyone with bucket access only ever see ciphertext.\n\n' +
      'It matters most for:\n\n' +
      '- **production data** (`environment: production`, the default): a backup bucket is a copy of the production database with a wider audience;\n' +
      '- **immutable tiers** (`immutable: true`): with S3 Object Lock in compliance mode nobody, not even the root user, can delete an object before ' +
      'its retention ends, so the only way to make a copy unreadable early (for example to honour an erasure request) is to destroy its key ' +
      '("crypto-shredding") — which needs client-side encryption with a key drc does not store in the bucket.\n\n' +
      'Services whose backups are not encrypted at all are also reported, as an error, by `encryption-required`.',
    sources: [
      { title: 'Amazon S3: protecting data with client-side encryption', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingClientSideEncryption.html' },
      { title: 'Amazon S3: Object Lock compliance mode (no one can delete before retention ends)', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html' },
      { title: 'pgBackRest: repo-cipher-type (client-side encryption even on S3)', url: 'https://pgbackrest.org/configuration.html#section-repository/option-repo-cipher-type' },
      { title: 'age: file encryption to public-key recipients', url: 'https://age-encryption.org/v1' },
    ],
    examples: {
      failing: 'encryption:\n  at_rest: aws:kms\n  kms_key: alias/backup\nservices:\n  db:\n    kind: postgresql\n    environment: production\n',
      passing:
        'encryption:\n  at_rest: aws:kms\n  kms_key: alias/backup\n  client_side: { method: age, recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }\n' +
        'services:\n  db:\n    kind: postgresql\n    environment: production\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      if (hasClientSide(service)) continue;
      const production = service.environment.value === 'production' && !service.unknown.has('environment');
      const immutable = service.immutable?.value === true;
      if (!production && !immutable) continue;
      // An invalid at_rest or method is the schema's finding, not this rule's.
      if (encryptionUnknown(policy, service)) continue;
      const reason = immutable
        ? service.immutable!.from === 'tier' && service.tier
          ? `tier ${service.tier.name} is immutable`
          : 'its backups are immutable'
        : 'it holds production data';
      const atRest = service.encryption.atRest === 'none' ? 'nor at rest' : `only at rest, ${service.encryption.atRest}`;
      report({
        path: pointer('services', service.name, 'encryption'),
        message: `${service.name}: backups are not encrypted client-side (${atRest}), and ${reason}`,
        hint: 'Add `client_side: { method: age, recipients: [age1…] }` to the service\'s or the policy\'s `encryption:` block.',
      });
    }
  },
};
