import { formatDuration } from '../../parser/values.js';
import type { Service, StorageTarget } from '../../model/types.js';
import type { Rule } from '../rule.js';
import { SOURCES } from './storage-facts.js';

/** Keeping objects more than this many times the longest retention is reported as over-retention. */
export const OVER_RETENTION_FACTOR = 10;

export const rule: Rule = {
  meta: {
    id: 'lifecycle-retention',
    severity: 'error',
    description: 'A storage target expires backups before a service\'s retention ends, or keeps them over 10 times longer than any service needs.',
    rationale: [
      'A storage target\'s `expire_after` becomes an S3 lifecycle Expiration action: S3 deletes every backup object older than that, whatever the',
      'services writing to it promised. When it is shorter than a service\'s effective retention, the backups the retention promises are gone',
      'before their time: an error, one per storage target and service.',
      '',
      'The opposite is a warning: an expiry more than 10 times the longest effective retention among the services using the storage keeps data',
      'long after anyone needs it, which costs storage and, for personal data, conflicts with storage limitation (GDPR Art. 5(1)(e)). The warning',
      'needs every service using the storage to have a known retention (a service without one relies on the expiry). A storage target without',
      '`expire_after` keeps objects until the backup tooling deletes them and is not checked here. ' +
      'A warning too when `expire_after` is shorter than two of a service\'s restore-test gaps: its restore-test records (kept that long, ' +
      'docs/artifacts/aws.md) would be deleted before `drc verify` reads them.',
    ].join('\n'),
    sources: [
      SOURCES.lifecycleExpiration,
      { title: 'Regulation (EU) 2016/679 (GDPR) Art. 5(1)(e): storage limitation', url: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj' },
    ],
    examples: {
      failing: 'storage:\n  backups:\n    expire_after: 30d\nservices:\n  production-db:\n    storage: backups\n    retention: 90d\n',
      passing: 'storage:\n  backups:\n    expire_after: 400d\nservices:\n  production-db:\n    storage: backups\n    retention: 90d\n',
    },
  },
  check(policy, report) {
    if (policy.storage.size === 0) return;
    // One pass over services: group them by storage target, in service order.
    const users = new Map<StorageTarget, Service[]>();
    for (const service of policy.services) {
      const storage = service.storage;
      if (!storage || !storage.expireAfter || service.unknown.has('storage')) continue;
      const list = users.get(storage);
      if (list) list.push(service);
      else users.set(storage, [service]);
    }
    for (const storage of policy.storage.values()) {
      const expire = storage.expireAfter;
      const services = users.get(storage);
      if (!expire || !services) continue;
      const path = `${storage.at}/expire_after`;
      const expireText = formatDuration(expire.value.seconds);
      let longest: Service | null = null;
      let allKnown = true;
      for (const service of services) {
        const testGap = service.unknown.has('restore_test') ? null : (service.restoreTest?.value.maxGapSeconds ?? null);
        if (testGap !== null && expire.value.seconds < 2 * testGap) {
          // Restore-test records live in the same bucket; the lifecycle keeps them two test gaps, so a late
          // test reads as stale, not missing (docs/artifacts/aws.md): expire_after cuts that short.
          report({
            path,
            severity: 'warning',
            message:
              `${storage.name}: expires objects after ${expireText}, less than two of ${service.name}'s restore-test gaps ` +
              `(${formatDuration(testGap)}): drc verify will find its restore-test records gone and report them missing`,
            hint: `set expire_after to at least ${formatDuration(2 * testGap)}`,
          });
        }
        const retention = service.retention;
        if (!retention || service.unknown.has('retention')) {
          allKnown = false;
          continue;
        }
        const seconds = retention.value.seconds;
        if (!longest || seconds > longest.retention!.value.seconds) longest = service;
        if (expire.value.seconds < seconds) {
          report({
            path,
            message: `${storage.name}: expires objects after ${expireText}, before ${service.name}'s retention of ${formatDuration(seconds)}`,
            hint: `set expire_after to at least ${formatDuration(seconds)}, or shorten ${service.name}'s retention`,
          });
        }
      }
      if (!allKnown || !longest) continue;
      const longestSeconds = longest.retention!.value.seconds;
      if (longestSeconds > 0 && expire.value.seconds > OVER_RETENTION_FACTOR * longestSeconds) {
        report({
          path,
          severity: 'warning',
          message:
            `${storage.name}: keeps objects for ${expireText}, over ${OVER_RETENTION_FACTOR}× the longest retention of its services ` +
            `(${longest.name}: ${formatDuration(longestSeconds)})`,
          hint: `lower expire_after towards ${formatDuration(longestSeconds)} (plus a margin), or document why backups are kept longer`,
        });
      }
    }
  },
};
