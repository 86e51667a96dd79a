import { pointer } from '../../diagnostics.js';
import { formatDuration } from '../../parser/values.js';
import type { Policy, Service, Transition } from '../../model/types.js';
import type { Rule, RuleSource } from '../rule.js';
import {
  ARCHIVE_CLASSES,
  DAY,
  FRAMEWORKS,
  FRAMEWORK_BY_ID,
  SOURCES,
  frameworkOf,
  isTrueLabel,
  type FrameworkFacts,
  type FrameworkId,
} from './storage-facts.js';

/** PCI DSS Req. 10.5.1: the most recent 3 months immediately available (not in an archive class). */
export const PCI_IMMEDIATE_SECONDS = 90 * DAY;
/** GDPR: retention over this multiple of the longest other minimum is reported as over-retention. */
export const GDPR_FACTOR = 3;
/** GDPR: without another framework's minimum, retention over one year needs a documented reason. */
export const GDPR_DEFAULT_LIMIT_SECONDS = 365 * DAY;
/** The label that documents why personal data is kept longer (GDPR Art. 5(1)(e), Art. 30(1)(f)). */
export const RETENTION_REASON_LABEL = 'retention_reason';

const PCI = FRAMEWORK_BY_ID.get('pci-dss')!;
const SEC = FRAMEWORK_BY_ID.get('sec-17a-4')!;
const GDPR = FRAMEWORK_BY_ID.get('gdpr')!;

/** The frameworks that apply to a service: the policy's (production services) plus those its labels name. */
function frameworksOf(service: Service, policyFrameworks: ReadonlySet<FrameworkId>): Set<FrameworkId> {
  const out = new Set<FrameworkId>();
  if (service.environment.value === 'production') for (const f of policyFrameworks) out.add(f);
  for (const key in service.labels) {
    const id = frameworkOf(key);
    if (id && isTrueLabel(service.labels[key]!)) out.add(id);
  }
  return out;
}

function earliestArchive(transitions: readonly Transition[]): Transition | null {
  let best: Transition | null = null;
  for (const t of transitions) {
    if (ARCHIVE_CLASSES.has(t.class) && (!best || t.after.seconds < best.after.seconds)) best = t;
  }
  return best;
}

function policyFrameworkIds(policy: Policy): Set<FrameworkId> {
  const out = new Set<FrameworkId>();
  for (const f of policy.compliance.frameworks) {
    const id = frameworkOf(f.value);
    if (id) out.add(id);
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'retention-compliance',
    severity: 'error',
    description: 'A service keeps backups for less than a compliance framework that applies to it requires (or, under GDPR, far longer than needed).',
    rationale: [
      'A framework applies to a service when it is listed in `compliance.frameworks` (every production service) or when one of the service\'s',
      'labels names it with the value `"true"`: `pci` / `pci-dss`, `hipaa`, `sox`, `sec-17a-4` / `sec17a4`, `gdpr`, `soc2`.',
      'The minimums are what the texts actually say (aws-facts §5), applied to the service\'s effective retention:',
      '',
      '| framework | minimum | source |',
      '|---|---|---|',
      '| PCI DSS | 365d; the most recent 3 months (90d) immediately available | PCI DSS v4.0.1 Req. 10.5.1 (audit log history ≥ 12 months) |',
      '| HIPAA | 6y | 45 CFR 164.316(b)(2)(i): required documentation kept 6 years from creation or from when last in effect |',
      '| SOX | 7y | 17 CFR 210.2-06 (Reg. S-X Rule 2-06, SOX §802): audit and review records kept 7 years |',
      '| SEC 17a-4 | 6y, on WORM storage | 17 CFR 240.17a-4(a): 6 years, first 2 easily accessible; (f): non-rewriteable, non-erasable storage |',
      '| SOC 2 | none | no fixed retention period (restore tests and encryption are other rules\' business) |',
      '| GDPR | none; over-retention warning | Art. 5(1)(e) storage limitation: no longer than necessary |',
      '',
      '- PCI DSS (warning): a transition to GLACIER or DEEP_ARCHIVE before 90 days takes part of the last 3 months out of immediate reach.',
      '- SEC 17a-4 (error): the storage needs S3 Object Lock in compliance mode. Since the 2022 amendments 17a-4(f) also accepts an audit-trail',
      '  alternative to WORM; drc cannot see one, so suppress the finding with a reason when you rely on it.',
      '- GDPR (warning, a choice drc makes because the regulation sets no figure): retention longer than 3× the longest minimum of the other',
      '  frameworks applied to the service, or, when none applies, longer than 1y, unless the service has a `retention_reason` label documenting',
      '  why (GDPR asks for retention periods to be justified and documented, Art. 5(1)(e) and Art. 30(1)(f)).',
      '- These are minimums for records the texts name (audit logs, documentation, workpapers); whether a backup holds such records is for you to',
      '  decide through labels and `compliance.frameworks`. A retention that is unknown or absent is not checked.',
    ].join('\n'),
    sources: [
      ...FRAMEWORKS.map((f) => f.source).filter((s): s is RuleSource => s !== null),
      {
        title: '45 CFR 164.530(j): Privacy Rule documentation retention (6 years)',
        url: 'https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E/section-164.530',
      },
      { title: 'SEC amendments to Rule 17a-4 (87 FR 66412, 2022): WORM or audit-trail electronic recordkeeping', url: 'https://www.federalregister.gov/d/2022-22670' },
      SOURCES.objectLock,
    ],
    examples: {
      failing: 'services:\n  payments-db:\n    retention: 30d\n    labels: { pci: "true" }\n',
      passing: 'services:\n  payments-db:\n    retention: 365d\n    labels: { pci: "true" }\n',
    },
  },
  check(policy, report) {
    const policyFrameworks = policyFrameworkIds(policy);
    for (const service of policy.services) {
      if (service.unknown.has('retention')) continue;
      const applied = frameworksOf(service, policyFrameworks);
      if (applied.size === 0) continue;
      const path = pointer('services', service.name, 'retention');
      const retention = service.retention?.value.seconds;
      const storage = service.unknown.has('storage') ? null : service.storage;

      // Minimums.
      let longestOther: FrameworkFacts | null = null;
      for (const f of FRAMEWORKS) {
        if (!applied.has(f.id) || f.minRetentionSeconds === null) continue;
        if (!longestOther || f.minRetentionSeconds > longestOther.minRetentionSeconds!) longestOther = f;
        if (retention !== undefined && retention < f.minRetentionSeconds) {
          report({
            path,
            message:
              `${service.name}: retention ${formatDuration(retention)} is below ${f.name}'s minimum of ${f.minRetentionText} (${f.citation})`,
            hint: `set retention to at least ${f.minRetentionText}`,
          });
        }
      }

      // PCI DSS: the last 3 months immediately available.
      if (applied.has('pci-dss') && storage) {
        const archive = earliestArchive(storage.transitions);
        if (archive && archive.after.seconds < PCI_IMMEDIATE_SECONDS) {
          report({
            path,
            severity: 'warning',
            message:
              `${service.name}: storage "${storage.name}" moves backups to ${archive.class} after ${formatDuration(archive.after.seconds)}, ` +
              `but ${PCI.name} ${PCI.citation} wants the most recent ${formatDuration(PCI_IMMEDIATE_SECONDS)} immediately available`,
            hint: `transition to ${archive.class} after 90d or later, or use GLACIER_IR (millisecond access) for the first 90 days`,
          });
        }
      }

      // SEC 17a-4(f): WORM.
      if (applied.has('sec-17a-4') && storage && storage.objectLock?.mode !== 'compliance') {
        const lock = storage.objectLock;
        report({
          path,
          message: lock
            ? `${service.name}: ${SEC.name} requires WORM storage, but storage "${storage.name}" has object lock in ${lock.mode} mode, not compliance`
            : `${service.name}: ${SEC.name} requires WORM storage, but storage "${storage.name}" has no object lock`,
          hint: `set object_lock: { mode: compliance, days: ${Math.ceil((retention ?? SEC.minRetentionSeconds!) / DAY)} } on storage "${storage.name}" (17 CFR 240.17a-4(f))`,
        });
      }

      // GDPR: storage limitation.
      if (applied.has('gdpr') && retention !== undefined && service.labels[RETENTION_REASON_LABEL] === undefined) {
        const limit = longestOther ? GDPR_FACTOR * longestOther.minRetentionSeconds! : GDPR_DEFAULT_LIMIT_SECONDS;
        if (retention > limit) {
          const why = longestOther
            ? `over ${GDPR_FACTOR}× ${longestOther.name}'s minimum of ${longestOther.minRetentionText}`
            : `over ${formatDuration(GDPR_DEFAULT_LIMIT_SECONDS)}`;
          report({
            path,
            severity: 'warning',
            message: `${service.name}: retention ${formatDuration(retention)} is ${why}; ${GDPR.name} ${GDPR.citation} limits storage to what is necessary`,
            hint: `shorten the retention, or document why with a label \`${RETENTION_REASON_LABEL}: "..."\``,
          });
        }
      }
    }
  },
};
