import { pointer } from '../../diagnostics.js';
import type { Policy, Service, StorageTarget, Tier } from '../../model/types.js';
import type { Rule } from '../rule.js';
import { SOURCES, nameList } from './storage-facts.js';

/**
 * Whether the storage target declares an `object_lock` the model could not read (wrong mode, missing days):
 * the schema rule reports that, so this rule does not add a cascading "no object lock".
 */
function lockInvalid(policy: Policy, storage: StorageTarget): boolean {
  if (storage.objectLock) return false;
  const all = policy.raw.storage;
  if (all === null || typeof all !== 'object' || Array.isArray(all)) return false;
  const raw = (all as Record<string, unknown>)[storage.name];
  return raw !== null && typeof raw === 'object' && (raw as Record<string, unknown>).object_lock !== undefined;
}

function hint(storage: StorageTarget): string {
  return `add \`object_lock: { mode: compliance, days: <retention in days> }\` to storage "${storage.name}" (governance mode is accepted but can be bypassed)`;
}

export const rule: Rule = {
  meta: {
    id: 'immutable-backups',
    severity: 'error',
    description: 'A tier or service requires immutable backups but its storage has no S3 Object Lock.',
    rationale: [
      '`immutable: true` promises that nobody (an attacker with stolen credentials, ransomware, a mistaken cleanup job) can delete or overwrite a',
      'backup before its retention ends: the "1" of 3-2-1-1-0. On S3 that is Object Lock, which stores every object version as WORM (aws-facts §2.2):',
      '',
      '- compliance mode: nobody, not even the root user, can delete the version or shorten its retention until it expires;',
      '- governance mode: principals with `s3:BypassGovernanceRetention` can bypass it (accepted here; prefer compliance for ransomware protection).',
      '',
      'A tier with `immutable: true` is reported once per storage target its services use (services that inherit the tier\'s value), at the',
      'tier\'s `immutable`. A service that sets `immutable: true` itself (or inherits it from `defaults:`) is reported at its own `immutable`.',
      'Services whose storage is unknown are skipped (`unknown-reference` reports them).',
    ].join('\n'),
    sources: [SOURCES.objectLock],
    examples: {
      failing: 'storage:\n  backups: { type: s3, bucket: acme-backups, region: us-east-1 }\ntiers:\n  tier1: { immutable: true }\nservices:\n  production-db: { tier: tier1, storage: backups }\n',
      passing:
        'storage:\n  backups: { type: s3, bucket: acme-backups, region: us-east-1, object_lock: { mode: compliance, days: 30 } }\ntiers:\n  tier1: { immutable: true }\nservices:\n  production-db: { tier: tier1, storage: backups }\n',
    },
  },
  check(policy, report) {
    // Tier findings: per tier, the storage targets without a lock, each with the services using it.
    const byTier = new Map<Tier, Map<StorageTarget, string[]>>();
    const lockless = (storage: StorageTarget): boolean => !storage.objectLock && !lockInvalid(policy, storage);
    const ownFindings: { service: Service; storage: StorageTarget }[] = [];
    for (const service of policy.services) {
      const immutable = service.immutable;
      const storage = service.storage;
      if (!immutable || immutable.value !== true || !storage) continue;
      if (service.unknown.has('immutable') || service.unknown.has('storage')) continue;
      if (!lockless(storage)) continue;
      if (immutable.from === 'tier' && service.tier) {
        let storages = byTier.get(service.tier);
        if (!storages) byTier.set(service.tier, (storages = new Map()));
        const names = storages.get(storage);
        if (names) names.push(service.name);
        else storages.set(storage, [service.name]);
      } else {
        ownFindings.push({ service, storage });
      }
    }
    for (const tier of policy.tiers.values()) {
      const storages = byTier.get(tier);
      if (!storages) continue;
      for (const [storage, names] of storages) {
        report({
          path: pointer('tiers', tier.name, 'immutable'),
          message: `${tier.name}: immutable, but storage "${storage.name}" (used by ${nameList(names)}) has no object lock`,
          hint: hint(storage),
        });
      }
    }
    for (const { service, storage } of ownFindings) {
      report({
        path: pointer('services', service.name, 'immutable'),
        message: `${service.name}: immutable, but storage "${storage.name}" has no object lock`,
        hint: hint(storage),
      });
    }
  },
};
