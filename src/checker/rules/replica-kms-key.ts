import { primaryRegion } from '../../emitters/layout.js';
import { isKnownRegion } from '../../model/regions.js';
import type { Encryption, Replica, StorageTarget } from '../../model/types.js';
import type { Rule } from '../rule.js';
import { parsePointer } from '../../parser/source.js';
import { SOURCES } from './storage-facts.js';

/** Where an encryption block lives, for the hint: "the policy's encryption", "services.db.encryption", "defaults.encryption". */
function blockOf(encryption: Encryption, field: 'kms_key' | 'replica_kms_keys'): string {
  const at = encryption.at[field] ?? encryption.at.at_rest ?? '/encryption/at_rest';
  const parts = parsePointer(at).slice(0, -1);
  return parts.length === 1 ? 'the policy\'s `encryption`' : `\`${parts.join('.')}\``;
}

/**
 * Whether an SSE-KMS encryption names a key for objects in `region`: `kms_key` is the key of the policy's
 * primary region, `replica_kms_keys` those of the other regions (as every emitter reads them: layout.ts
 * kmsKeyForRegion).
 */
function hasKey(encryption: Encryption, primary: string, region: string): boolean {
  if (region === primary) return Boolean(encryption.kmsKey);
  return Boolean(encryption.replicaKmsKeys[region]);
}

export const rule: Rule = {
  meta: {
    id: 'replica-kms-key',
    severity: 'error',
    description: 'Backups encrypted with SSE-KMS are replicated to a region for which no KMS key is named.',
    rationale: [
      'S3 does not replicate SSE-KMS objects unless the replication rule opts in and names a replica KMS key, and that key must be in the same',
      'region as the destination bucket: KMS keys are regional (aws-facts §2.3, `ReplicaKmsKeyID`). S3 does not validate the key when the',
      'replication configuration is written: a missing or wrong key makes every replication fail later, silently, so the "second region" copy',
      'never exists. drc therefore needs a key per replica region: `encryption.replica_kms_keys.<region>`; a replica in the policy\'s primary',
      'region uses `encryption.kms_key`, which is the primary region\'s key for every bucket there (a storage target whose own bucket is in',
      'another region is encrypted with that region\'s `replica_kms_keys` entry when there is one).',
      '',
      'The check applies when SSE-KMS (`at_rest: aws:kms`) is the effective encryption of any service that uses the storage target (its own',
      '`encryption`, `defaults:`, or the policy\'s, merged field by field); a storage target no service uses is checked against the policy-level',
      'encryption. One finding per replica. Replicas in unknown regions are left to `unknown-reference`.',
    ].join('\n'),
    sources: [SOURCES.replicationKms, SOURCES.replicationEncryptionApi],
    examples: {
      failing:
        'encryption:\n  at_rest: aws:kms\n  kms_key: alias/backup\nstorage:\n  backups:\n    region: us-east-1\n    replicas:\n      - { bucket: backups-usw2, region: us-west-2 }\n',
      passing:
        'encryption:\n  at_rest: aws:kms\n  kms_key: alias/backup\n  replica_kms_keys: { us-west-2: alias/backup-usw2 }\nstorage:\n  backups:\n    region: us-east-1\n    replicas:\n      - { bucket: backups-usw2, region: us-west-2 }\n',
    },
  },
  check(policy, report) {
    if (policy.storage.size === 0) return;
    // The distinct effective encryptions per storage target, in service order (one pass over services).
    const encryptions = new Map<StorageTarget, Encryption[]>();
    for (const service of policy.services) {
      const storage = service.storage;
      if (!storage || storage.replicas.length === 0 || service.unknown.has('storage')) continue;
      const enc = service.encryption;
      if (enc.atRest !== 'aws:kms') {
        if (!encryptions.has(storage)) encryptions.set(storage, []);
        continue;
      }
      const list = encryptions.get(storage);
      if (!list) encryptions.set(storage, [enc]);
      else if (!list.some((e) => sameKeys(e, enc))) list.push(enc);
    }
    for (const storage of policy.storage.values()) {
      if (storage.replicas.length === 0) continue;
      const primary = primaryRegion(policy, storage);
      const configs = encryptions.get(storage) ?? (policy.encryption.atRest === 'aws:kms' ? [policy.encryption] : []);
      if (configs.length === 0) continue;
      storage.replicas.forEach((replica: Replica) => {
        if (!isKnownRegion(replica.region)) return;
        const missing = configs.find((e) => !hasKey(e, primary, replica.region));
        if (!missing) return;
        const sameRegion = replica.region === primary;
        const field = sameRegion ? 'encryption.kms_key' : `encryption.replica_kms_keys.${replica.region}`;
        report({
          path: `${replica.at}/region`,
          message: `${storage.name}: replica in ${replica.region} has no KMS key; add ${field}`,
          hint: sameRegion
            ? `set kms_key in ${blockOf(missing, 'kms_key')}`
            : `add \`replica_kms_keys: { ${replica.region}: <key ARN or alias in ${replica.region}> }\` to ${blockOf(missing, 'replica_kms_keys')}`,
        });
      });
    }
  },
};

function sameKeys(a: Encryption, b: Encryption): boolean {
  if (a === b) return true;
  if (a.kmsKey !== b.kmsKey) return false;
  const ka = Object.keys(a.replicaKmsKeys);
  const kb = Object.keys(b.replicaKmsKeys);
  return ka.length === kb.length && ka.every((k) => a.replicaKmsKeys[k] === b.replicaKmsKeys[k]);
}
