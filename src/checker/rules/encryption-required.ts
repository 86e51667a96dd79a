import { pointer } from '../../diagnostics.js';
import type { Policy, Service } from '../../model/types.js';
import type { Rule } from '../rule.js';

type Data = Record<string, unknown>;

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const AT_REST = new Set(['aws:kms', 'AES256', 'none']);
const METHODS = new Set(['age', 'openssl', 'none']);

/**
 * The raw encryption blocks a service's effective encryption is merged from, nearest first
 * (service, defaults, policy), for what the Model cannot tell: a value that is present but invalid.
 */
export function encryptionBlocks(policy: Policy, service: Service): Data[] {
  const raw = policy.raw;
  const blocks: Data[] = [];
  const services = isObject(raw.services) ? raw.services : null;
  const own = services && isObject(services[service.name]) ? (services[service.name] as Data).encryption : undefined;
  if (isObject(own)) blocks.push(own);
  const defaults = isObject(raw.defaults) ? raw.defaults.encryption : undefined;
  if (isObject(defaults)) blocks.push(defaults);
  if (isObject(raw.encryption)) blocks.push(raw.encryption);
  return blocks;
}

/**
 * Whether the service's effective at_rest or client_side method is unknown: the block that supplies it
 * holds a value that is not one of the allowed ones (the schema reports it; rules must not cascade).
 */
export function encryptionUnknown(policy: Policy, service: Service): boolean {
  const blocks = encryptionBlocks(policy, service);
  const atRest = blocks.find((b) => b.at_rest !== undefined);
  if (atRest && !AT_REST.has(atRest.at_rest as string)) return true;
  const clientSide = blocks.find((b) => b.client_side !== undefined);
  if (clientSide) {
    const cs = clientSide.client_side;
    if (!isObject(cs)) return true;
    if (cs.method !== undefined && !METHODS.has(cs.method as string)) return true;
  }
  return false;
}

/** Whether client-side encryption is in effect (age or openssl). */
export function hasClientSide(service: Service): boolean {
  const cs = service.encryption.clientSide;
  return cs !== null && cs.method !== 'none';
}

/** Reports services whose backups are not encrypted at all, and encryption blocks that cannot work. */
export const rule: Rule = {
  meta: {
    id: 'encryption-required',
    severity: 'error',
    description:
      'A service whose backups are encrypted neither at rest (`at_rest: none`) nor client-side, or whose encryption is incomplete (aws:kms without kms_key, age without recipients, openssl without passphrase_env).',
    rationale:
      'Backups hold a full copy of the data, usually with weaker access control than the system they protect, so every backup must be encrypted: ' +
      'at rest by S3 (`aws:kms` with a named KMS key, or `AES256`), client-side by drc before upload (`age` or `openssl`), or both. ' +
      'The check uses each service\'s effective encryption (service → `defaults:` → policy). ' +
      'An encryption block that cannot work is also an error: `at_rest: aws:kms` without `kms_key` (the key must be named so the bucket policy, ' +
      'IAM grants and replica keys can be generated), `client_side.method: age` without `recipients` (nothing to encrypt to), and `openssl` ' +
      'without `passphrase_env` (the variable that holds the passphrase). The schema reports what one block lacks (no cascades, docs/schema.md); ' +
      'this rule adds what only the effective values show: a service or `defaults:` that switches to aws:kms while no kms_key is named on it ' +
      'or above it.',
    sources: [
      { title: 'Backup & DR brief: "All backups must be encrypted" (Backup Encryption: 100%)', url: 'docs/policy-language.md#7-built-in-rules' },
      { title: 'Amazon S3: default bucket encryption (SSE-S3, SSE-KMS)', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html' },
      { title: 'Amazon S3 API: ServerSideEncryptionByDefault (KMSMasterKeyID with aws:kms)', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html' },
      { title: 'age: file encryption to recipients', url: 'https://age-encryption.org/v1' },
    ],
    examples: {
      failing: 'encryption:\n  at_rest: none\nservices:\n  db:\n    kind: postgresql\n',
      passing: 'encryption:\n  at_rest: aws:kms\n  kms_key: alias/backup\nservices:\n  db:\n    kind: postgresql\n',
    },
  },
  check(policy, report) {
    // Incomplete blocks are reported once per block, however many services use it.
    const reported = new Set<string>();
    for (const service of policy.services) {
      const enc = service.encryption;
      const unknown = encryptionUnknown(policy, service);
      if (!unknown && enc.atRest === 'none' && !hasClientSide(service)) {
        report({
          path: pointer('services', service.name, 'encryption'),
          message: `${service.name}: backups are not encrypted (at_rest none, no client-side encryption)`,
          hint: 'Set `encryption.at_rest: aws:kms` with a `kms_key` (or `AES256`), and preferably `client_side: { method: age, recipients: [age1…] }`, on the service or the policy.',
        });
      }
      if (enc.atRest === 'aws:kms' && enc.kmsKey === null) {
        const at = enc.at.at_rest ?? '/encryption/at_rest';
        if (!reported.has(at)) {
          reported.add(at);
          report({
            path: at,
            message: `${ownerOf(at, service.name)}: at_rest aws:kms needs a kms_key`,
            hint: 'Name the KMS key with `kms_key:` (an ARN, key id or alias/…) in the same encryption block, or use `at_rest: AES256`.',
          });
        }
      }
    }
  },
};

/** The name a message starts with for a finding at an encryption pointer. */
function ownerOf(at: string, serviceName: string): string {
  if (at.startsWith('/services/')) return serviceName;
  if (at.startsWith('/defaults/')) return 'defaults';
  return 'encryption';
}
