// Generates a large, realistic policy (N services across kinds and tiers) for benchmarks.
// Deterministic: the same N gives the same bytes.

// Services per storage target: S3 accepts 1,000 lifecycle rules per bucket (lint rule lifecycle-rule-limit),
// and these services need ~1.8 rules each on average (measured at 10,000: 532 per bucket), so a large fleet spreads over several storage targets.
export const SERVICES_PER_STORAGE = 300;

const storageTarget = (k) => (k === 0 ? 'primary' : `shard-${k}`);

function storageLines(k) {
  const suffix = k === 0 ? '' : `-${k}`;
  return [
    `  ${storageTarget(k)}:`,
    '    type: s3',
    `    bucket: bench-backups${suffix}-use1`,
    '    region: us-east-1',
    '    replicas:',
    `      - { bucket: bench-backups${suffix}-usw2, region: us-west-2 }`,
    '    object_lock: { mode: governance, days: 14 }',
    '    expire_after: 800d',
    '    transitions:',
    '      - { after: 30d, class: STANDARD_IA }',
    '      - { after: 180d, class: GLACIER }',
  ];
}

export function generatePolicy(serviceCount) {
  const lines = [];
  lines.push(
    'version: 1',
    `name: bench-${serviceCount}`,
    'owner: sre@bench.example',
    'regions:',
    '  primary: us-east-1',
    '  secondary: [us-west-2, eu-west-1]',
    'encryption:',
    '  at_rest: aws:kms',
    '  kms_key: alias/bench',
    '  replica_kms_keys: { us-west-2: alias/bench-usw2, eu-west-1: alias/bench-euw1 }',
    '  client_side:',
    '    method: age',
    '    recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]',
    'storage:',
    ...Array.from({ length: Math.max(1, Math.ceil(serviceCount / SERVICES_PER_STORAGE)) }, (_, k) => storageLines(k)).flat(),
    'tiers:',
    '  tier1: { title: Critical, rto: 2h, rpo: 1h, retention: 30d, restore_test: monthly, dr_drill: quarterly, min_regions: 2, immutable: true }',
    '  tier2: { title: Important, rto: 8h, rpo: 24h, retention: 90d, restore_test: monthly }',
    '  tier3: { title: Standard, rto: 24h, rpo: 24h, retention: 14d, restore_test: monthly }',
    'defaults:',
    '  storage: primary',
    '  owner: team-platform',
    'services:',
  );
  const kinds = ['postgresql', 'files', 'kubernetes', 's3-bucket', 'aws-backup'];
  const schedules = ['hourly', 'every 30m', 'daily at 02:30', 'cron(15 */6 * * *)', 'every 4h'];
  for (let i = 0; i < serviceCount; i++) {
    const kind = kinds[i % kinds.length];
    const tier = `tier${(i % 3) + 1}`;
    const name = `svc-${String(i).padStart(5, '0')}`;
    lines.push(`  ${name}:`);
    lines.push(`    title: Service ${i} of the benchmark fleet`);
    lines.push(`    tier: ${tier}`);
    lines.push(`    kind: ${kind}`);
    lines.push(`    owner: team-${i % 17}`);
    const shard = Math.floor(i / SERVICES_PER_STORAGE);
    if (shard > 0) lines.push(`    storage: ${storageTarget(shard)}`);
    if (kind === 'postgresql') lines.push(`    postgresql: { host: db-${i}.internal, port: 5432, database: app${i}, user: backup, pitr: ${i % 2 === 0} }`);
    if (kind === 'files') lines.push(`    paths: [/srv/app-${i}, /etc/app-${i}]`, '    exclude: ["*.tmp"]');
    if (kind === 'kubernetes') lines.push(`    namespaces: { include: [ns-${i}], exclude: [kube-system] }`, '    snapshot_volumes: true');
    if (kind === 's3-bucket') lines.push(`    bucket: bench-data-${i}`, '    region: us-east-1', '    continuous: true');
    if (kind === 'aws-backup') lines.push(`    resources: { tags: { backup: svc-${i} } }`);
    lines.push(`    schedule: ${tier === 'tier1' ? (i % 2 ? 'hourly' : 'every 30m') : schedules[i % schedules.length]}`);
    lines.push(`    data_size: ${(i % 50) + 1}GiB`);
    lines.push('    restore_rate: 200MiB/s');
    if (i % 4 === 0) lines.push('    retention:', '      keep: { daily: 30, weekly: 8, monthly: 4 }');
    lines.push(`    labels: { team: team-${i % 17}, cost-center: cc-${i % 9} }`);
  }
  lines.push(
    'monitoring:',
    '  metrics: textfile',
    '  runbook_url: https://runbooks.bench.example/dr/{service}',
    'drills:',
    '  scenario: primary region outage',
    '  roles: [incident-commander, database-lead]',
    '  notice: 14d',
    'compliance:',
    '  frameworks: [soc2]',
  );
  return lines.join('\n') + '\n';
}
