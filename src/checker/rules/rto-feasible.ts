import { pointer } from '../../diagnostics.js';
import { formatBytes, formatDuration } from '../../parser/values.js';
import type { Rule } from '../rule.js';
import { SOURCES, approxDuration } from './storage-facts.js';

/** Provisioning, validation and slower-than-measured stretches, added to the transfer time (10 %). */
export const RESTORE_OVERHEAD = 0.1;

export const rule: Rule = {
  meta: {
    id: 'rto-feasible',
    severity: 'error',
    description: 'Restoring the service\'s data at its restore rate, plus 10 % overhead, takes longer than its RTO.',
    rationale: [
      'The recovery time objective is the longest a system may be down before the impact is unacceptable (NIST). A restore cannot finish faster',
      'than its data can be moved, so drc estimates the restore time as `data_size / restore_rate × 1.1`: the transfer time plus 10 % for',
      'provisioning the target, validation and throughput that falls short of the measured rate (aws-facts §6: estimated restore time =',
      'retrieval latency + bytes / throughput + provisioning and validation). The estimate must not exceed the RTO.',
      '',
      '- `data_size` is the size of one full backup (e.g. `200GiB`), `restore_rate` the throughput a restore test measured (e.g. `300MiB/s`).',
      '  AWS Backup gives no restore-time SLA, so the measured restore-test rate is the only defensible figure (REL09).',
      '- Archive retrieval latency is checked separately by `archive-vs-rto`.',
      '- When the service has an RTO but no `data_size` or `restore_rate`, the rule reports an `info` finding: the RTO is then unverified.',
      '  A value that does not parse is reported by `invalid-value` only.',
    ].join('\n'),
    sources: [SOURCES.nistRto, SOURCES.wellArchitectedBackup, SOURCES.nist80034],
    examples: {
      failing: 'services:\n  production-db:\n    rto: 1h\n    data_size: 2TiB\n    restore_rate: 300MiB/s\n',
      passing: 'services:\n  production-db:\n    rto: 4h\n    data_size: 2TiB\n    restore_rate: 300MiB/s\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      const rto = service.rto;
      if (!rto || service.unknown.has('rto')) continue;
      // An invalid data_size or restore_rate is invalid-value's finding, not a second one here.
      if (service.unknown.has('data_size') || service.unknown.has('restore_rate')) continue;
      const path = pointer('services', service.name, 'rto');
      const size = service.dataSize?.value;
      const rate = service.restoreRate?.value;
      if (!size || !rate) {
        const missing = [!size ? 'data_size (e.g. `data_size: 200GiB`)' : '', !rate ? 'restore_rate (measured by a restore test, e.g. `restore_rate: 300MiB/s`)' : '']
          .filter(Boolean)
          .join(' and ');
        report({
          path,
          severity: 'info',
          message: `${service.name}: cannot estimate restore time (data_size/restore_rate unknown)`,
          hint: `set ${missing} so drc can check RTO ${formatDuration(rto.value.seconds)}`,
        });
        continue;
      }
      if (!(rate.bytesPerSecond > 0) || !(size.bytes >= 0)) continue;
      const estimate = (size.bytes / rate.bytesPerSecond) * (1 + RESTORE_OVERHEAD);
      if (estimate <= rto.value.seconds) continue;
      const rtoText = formatDuration(rto.value.seconds);
      const neededRate = (size.bytes * (1 + RESTORE_OVERHEAD)) / rto.value.seconds;
      report({
        path,
        message:
          `${service.name}: restoring ${formatBytes(size.bytes)} at ${formatBytes(rate.bytesPerSecond)}/s takes about ${approxDuration(estimate)} ` +
          `with 10% overhead, more than RTO ${rtoText}`,
        hint:
          `raise the RTO to at least ${approxDuration(estimate)}, restore faster (at least ${formatBytes(Math.ceil(neededRate))}/s), ` +
          'or reduce the data restored first',
      });
    }
  },
};
