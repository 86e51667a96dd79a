import { formatDuration } from '../../parser/values.js';
import type { StorageClass, Transition } from '../../model/types.js';
import type { Rule } from '../rule.js';
import {
  ALLOWED_TRANSITIONS,
  DAY,
  IA_CLASSES,
  IA_MIN_TRANSITION_DAYS,
  MIN_GAP_AFTER_DAYS,
  SOURCES,
  STORAGE_CLASS_FACTS,
} from './storage-facts.js';

function allowedFrom(from: StorageClass): string {
  const to = [...ALLOWED_TRANSITIONS[from]];
  return to.length === 0 ? `nothing can follow ${from}` : `after ${from} only ${to.join(', ')} may follow`;
}

export const rule: Rule = {
  meta: {
    id: 'lifecycle-constraints',
    severity: 'error',
    description: 'Storage lifecycle transitions or expiry that S3 would reject, or that break the storage-class order.',
    rationale: [
      'drc turns each storage target\'s `transitions` and `expire_after` into one S3 lifecycle rule. S3 rejects the whole configuration',
      '(and with it the deployment) when one action breaks its constraints, so drc reports them at the transition that breaks them (aws-facts §1.2–1.7):',
      '',
      '- A transition to STANDARD_IA or ONEZONE_IA needs `after` of at least 30 days (S3: "\'Days\' in Transition action must be greater than',
      '  or equal to 30 for storageClass \'STANDARD_IA\'").',
      '- Lifecycle only moves objects down the waterfall; nothing transitions to STANDARD. Allowed: STANDARD → any other class;',
      '  STANDARD_IA → INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE; INTELLIGENT_TIERING → ONEZONE_IA, GLACIER_IR,',
      '  GLACIER, DEEP_ARCHIVE; ONEZONE_IA → GLACIER, DEEP_ARCHIVE; GLACIER_IR → GLACIER, DEEP_ARCHIVE; GLACIER → DEEP_ARCHIVE; DEEP_ARCHIVE → nothing.',
      '- Each class appears once ("\'StorageClass\' must be different for \'Transition\' actions in same \'Rule\'"), and transitions are listed in',
      '  strictly increasing `after` order, each to a class the previous one may move to.',
      '- After a transition to an IA class the next one must come at least 30 days later; after GLACIER_IR or GLACIER at least 90 days later',
      '  (the 90-day gap is S3\'s observed rejection message, not stated in the AWS guide; drc treats it as the safe threshold).',
      '- `expire_after` must be later than every transition (S3: "\'Days\' in the Expiration action … must be greater than \'Days\' in the',
      '  Transition action").',
      '- Warning: expiring objects sooner after their last transition than that class\'s minimum storage duration is legal but billed as if the',
      '  minimum had been reached (early-delete fee): STANDARD_IA and ONEZONE_IA 30 days, GLACIER_IR 90, GLACIER 90, DEEP_ARCHIVE 180.',
    ].join('\n'),
    sources: [SOURCES.lifecycleConsiderations, SOURCES.transitionApi, SOURCES.storageClasses, SOURCES.lifecycleExpiration],
    examples: {
      failing:
        'storage:\n  backups:\n    transitions:\n      - { after: 7d, class: STANDARD_IA }\n      - { after: 20d, class: GLACIER }\n    expire_after: 15d\n',
      passing:
        'storage:\n  backups:\n    transitions:\n      - { after: 30d, class: STANDARD_IA }\n      - { after: 90d, class: GLACIER }\n    expire_after: 400d\n',
    },
  },
  check(policy, report) {
    for (const storage of policy.storage.values()) {
      const name = storage.name;
      const seen = new Map<StorageClass, Transition>();
      let prev: Transition | null = null;
      let last: Transition | null = null;
      for (const t of storage.transitions) {
        const after = formatDuration(t.after.seconds);
        const afterPath = `${t.at}/after`;
        const classPath = `${t.at}/class`;
        // The class.
        let classOk = true;
        if (t.class === 'STANDARD') {
          classOk = false;
          report({
            path: classPath,
            message: `${name}: transition to STANDARD after ${after} is not allowed; lifecycle only moves objects to colder classes`,
            hint: 'remove this transition (objects start in STANDARD)',
          });
        } else if (seen.has(t.class)) {
          classOk = false;
          report({
            path: classPath,
            message: `${name}: two transitions to ${t.class} (after ${formatDuration(seen.get(t.class)!.after.seconds)} and ${after}); S3 allows each class once`,
            hint: `remove one of the ${t.class} transitions`,
          });
        }
        // The age.
        let afterReported = false;
        if (prev && t.after.seconds <= prev.after.seconds) {
          afterReported = true;
          report({
            path: afterPath,
            message: `${name}: transition to ${t.class} after ${after} is not later than the previous one (${prev.class} after ${formatDuration(prev.after.seconds)})`,
            hint: 'list transitions in strictly increasing `after` order, from warmer to colder classes',
          });
        } else if (IA_CLASSES.has(t.class) && t.after.seconds < IA_MIN_TRANSITION_DAYS * DAY) {
          afterReported = true;
          report({
            path: afterPath,
            message: `${name}: transition to ${t.class} after ${after} is too early; S3 requires at least ${IA_MIN_TRANSITION_DAYS}d`,
            hint: `set \`after: ${IA_MIN_TRANSITION_DAYS}d\` or later, or use INTELLIGENT_TIERING or GLACIER_IR, which have no minimum age`,
          });
        }
        if (prev && classOk && !afterReported) {
          if (!ALLOWED_TRANSITIONS[prev.class].has(t.class)) {
            report({
              path: classPath,
              message: `${name}: transition from ${prev.class} to ${t.class} after ${after} is not allowed; ${allowedFrom(prev.class)}`,
              hint: 'order transitions from warmer to colder classes (STANDARD_IA → INTELLIGENT_TIERING → ONEZONE_IA → GLACIER_IR → GLACIER → DEEP_ARCHIVE)',
            });
          } else {
            const gapDays = MIN_GAP_AFTER_DAYS[prev.class];
            if (t.after.seconds - prev.after.seconds < gapDays * DAY) {
              const earliest = formatDuration(prev.after.seconds + gapDays * DAY);
              report({
                path: afterPath,
                message:
                  `${name}: transition to ${t.class} after ${after} comes less than ${gapDays}d after the ${prev.class} transition ` +
                  `(after ${formatDuration(prev.after.seconds)}); S3 requires ${gapDays}d in ${prev.class} first`,
                hint: `set \`after: ${earliest}\` or later`,
              });
            }
          }
        }
        if (!seen.has(t.class)) seen.set(t.class, t);
        if (!last || t.after.seconds > last.after.seconds) last = t;
        prev = t;
      }
      const expire = storage.expireAfter;
      if (!expire || !last) continue;
      const expirePath = `${storage.at}/expire_after`;
      const expireText = formatDuration(expire.value.seconds);
      const lastAfter = formatDuration(last.after.seconds);
      if (expire.value.seconds <= last.after.seconds) {
        report({
          path: expirePath,
          message: `${name}: expire_after ${expireText} is not later than the last transition (${last.class} after ${lastAfter}); S3 rejects expiry before a transition`,
          hint: `set expire_after later than ${lastAfter}, or remove the transitions that never happen`,
        });
        continue;
      }
      const minDays = STORAGE_CLASS_FACTS[last.class].minStorageDays;
      if (expire.value.seconds - last.after.seconds < minDays * DAY) {
        report({
          path: expirePath,
          severity: 'warning',
          message:
            `${name}: objects expire ${formatDuration(expire.value.seconds - last.after.seconds)} after moving to ${last.class} (after ${lastAfter}), ` +
            `before its ${minDays}d minimum storage duration; S3 bills the full ${minDays}d`,
          hint: `set expire_after to at least ${formatDuration(last.after.seconds + minDays * DAY)}, or transition to ${last.class} later or not at all`,
        });
      }
    }
  },
};
