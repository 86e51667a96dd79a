import { pointer } from '../../diagnostics.js';
import { formatDuration } from '../../parser/values.js';
import type { Transition } from '../../model/types.js';
import type { Rule } from '../rule.js';
import { SOURCES, STORAGE_CLASS_FACTS } from './storage-facts.js';

export const rule: Rule = {
  meta: {
    id: 'archive-vs-rto',
    severity: 'warning',
    description: 'A backup inside the retention window sits in an archive storage class whose retrieval time exceeds the RTO.',
    rationale: [
      'Every backup inside the retention window is a restore point someone may need, for example the last copy from before a corruption that went',
      'unnoticed for weeks. Objects in GLACIER or DEEP_ARCHIVE cannot be read until a restore request completes, and that alone can take longer than',
      'the RTO. drc compares the time to first byte with the default (Standard) retrieval tier with the service\'s RTO (aws-facts §1.9):',
      '',
      '| class | retrieval (Standard tier) |',
      '|---|---|',
      '| STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING (frequent/infrequent tiers), GLACIER_IR | milliseconds |',
      '| GLACIER (Flexible Retrieval) | 3–5 hours → 5h (Expedited 1–5 min is capacity-limited; Bulk 5–12 h) |',
      '| DEEP_ARCHIVE | within 12 hours → 12h (Bulk: 48 h; no Expedited) |',
      '',
      'A transition counts when its `after` is shorter than the window during which backups are kept: the service\'s effective retention, capped by',
      'the storage\'s `expire_after` (without a retention, the `expire_after`, else every transition). One finding per service names the slowest class.',
      'Either keep backups in a millisecond class for as long as they may be restored within the RTO, or accept a longer RTO for old restore points.',
    ].join('\n'),
    sources: [SOURCES.retrievalOptions, SOURCES.storageClasses],
    examples: {
      failing:
        'storage:\n  backups:\n    transitions:\n      - { after: 90d, class: DEEP_ARCHIVE }\nservices:\n  production-db:\n    storage: backups\n    rto: 4h\n    retention: 365d\n',
      passing:
        'storage:\n  backups:\n    transitions:\n      - { after: 90d, class: GLACIER_IR }\nservices:\n  production-db:\n    storage: backups\n    rto: 4h\n    retention: 365d\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      const storage = service.storage;
      const rto = service.rto;
      if (!storage || !rto || storage.transitions.length === 0) continue;
      if (service.unknown.has('storage') || service.unknown.has('rto') || service.unknown.has('retention')) continue;
      let window = service.retention ? service.retention.value.seconds : Infinity;
      if (storage.expireAfter) window = Math.min(window, storage.expireAfter.value.seconds);
      let worst: Transition | null = null;
      for (const t of storage.transitions) {
        if (t.after.seconds >= window) continue;
        const retrieval = STORAGE_CLASS_FACTS[t.class].retrievalSeconds;
        if (retrieval <= rto.value.seconds) continue;
        if (
          !worst ||
          retrieval > STORAGE_CLASS_FACTS[worst.class].retrievalSeconds ||
          (retrieval === STORAGE_CLASS_FACTS[worst.class].retrievalSeconds && t.after.seconds < worst.after.seconds)
        ) {
          worst = t;
        }
      }
      if (!worst) continue;
      const facts = STORAGE_CLASS_FACTS[worst.class];
      const after = formatDuration(worst.after.seconds);
      const rtoText = formatDuration(rto.value.seconds);
      report({
        path: pointer('services', service.name, 'rto'),
        message:
          `${service.name}: backups older than ${after} sit in ${worst.class} (retrieval ${facts.retrievalText}), longer than RTO ${rtoText}`,
        hint:
          `in storage "${storage.name}", move the ${worst.class} transition past the retention or use GLACIER_IR (millisecond access), ` +
          `or raise the RTO to at least ${formatDuration(facts.retrievalSeconds)}`,
      });
    }
  },
};
