import { pointer } from '../../diagnostics.js';
import { formatDuration } from '../../parser/values.js';
import { declaresUnsupportedContinuous, hasContinuousMechanism } from '../../model/continuous.js';
import type { Schedule, Service } from '../../model/types.js';
import type { Rule } from '../rule.js';
import { SOURCES } from './storage-facts.js';

/** The message: the schedule's gap against the RPO, and why a declared `continuous: true` did not count. */
function message(service: Service, schedule: Schedule, rpoSeconds: number): string {
  const gap = describe(service, schedule, rpoSeconds);
  return declaresUnsupportedContinuous(service)
    ? `${gap} (continuous: true does not count: ${service.kind} services have no continuous mechanism)`
    : gap;
}

/** How the schedule is named in the message: "backups every 6h" or "schedule cron(…) leaves a 21h gap". */
function describe(service: Service, schedule: Schedule, rpoSeconds: number): string {
  const rpo = formatDuration(rpoSeconds);
  const text = schedule.text.trim();
  // A fixed interval (every 6h, hourly, daily at 02:30, weekly on mon at 03:00) speaks for itself; a
  // cron or a monthly day has irregular gaps, so name the longest one.
  if (schedule.kind === 'cron' || schedule.kind === 'monthly') {
    return `${service.name}: schedule ${text} leaves a ${formatDuration(schedule.maxGapSeconds)} gap, more than RPO ${rpo}`;
  }
  return `${service.name}: backups ${text} cannot meet RPO ${rpo}`;
}

function hint(service: Service, rpoSeconds: number): string {
  const every = `schedule: every ${formatDuration(rpoSeconds)}`;
  switch (service.kind) {
    case 'postgresql':
      return `back up at least every ${formatDuration(rpoSeconds)} (\`${every}\`), or enable WAL archiving with \`postgresql: { pitr: true }\``;
    case 's3-bucket':
      return `back up at least every ${formatDuration(rpoSeconds)} (\`${every}\`), or set \`continuous: true\` (bucket versioning and replication)`;
    default:
      return `back up at least every ${formatDuration(rpoSeconds)} (\`${every}\`), or raise the RPO`;
  }
}

export const rule: Rule = {
  meta: {
    id: 'rpo-feasible',
    severity: 'error',
    description: 'The longest gap between two scheduled backups exceeds the RPO and no continuous mechanism covers it.',
    rationale: [
      'The recovery point objective is the point in time to which data must be recovered after an outage (NIST). With periodic backups the worst-case',
      'data loss is at least the longest gap between two consecutive backups, so a schedule whose longest gap exceeds the RPO cannot meet it even when',
      'every backup succeeds instantly (aws-facts §6: require `interval ≤ RPO` at the least).',
      '',
      '- The gap is the schedule\'s longest one: `every 6h` → 6h, `daily at 02:30` → 24h, `weekly` → 7d, `monthly` → 31d, and for a cron the',
      '  longest gap between two runs (`cron(0 1,2,23 * * *)` → 21h).',
      '- A continuous mechanism meets the RPO instead of the schedule, and three kinds have one: `postgresql`, with',
      '  `postgresql.pitr: true` or `continuous: true` (WAL archiving, whose `archive_timeout` the emitters set below the RPO), and `s3-bucket`,',
      '  with `continuous: true` (versioning with replication), as policy language §4 says; and `aws-backup` with `continuous: true`, for which',
      '  the CloudFormation stack adds an AWS Backup continuous-backup rule (point-in-time recovery; AWS supports it for RDS, Aurora, S3 and',
      '  SAP HANA). The schedule then only says how often full copies are taken, and this rule does not apply.',
      '- `continuous: true` on a `files`, `mysql` or `kubernetes` service declares nothing that could meet the RPO: the schedule',
      '  must meet it, and the message says why `continuous` did not count.',
      '- A service without a schedule is reported by `schedule-required`; one without an RPO by `objectives-defined`.',
    ].join('\n'),
    sources: [SOURCES.nistRpo, SOURCES.nist80034, SOURCES.wellArchitectedBackup],
    examples: {
      failing: 'services:\n  cluster-state:\n    rpo: 1h\n    schedule: every 6h\n',
      passing: 'services:\n  cluster-state:\n    rpo: 1h\n    schedule: hourly\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      const rpo = service.rpo;
      const schedule = service.schedule;
      if (!rpo || !schedule || service.unknown.has('rpo') || service.unknown.has('schedule')) continue;
      if (hasContinuousMechanism(service)) continue;
      if (schedule.value.maxGapSeconds <= rpo.value.seconds) continue;
      report({
        path: pointer('services', service.name, 'rpo'),
        message: message(service, schedule.value, rpo.value.seconds),
        hint: hint(service, rpo.value.seconds),
      });
    }
  },
};
