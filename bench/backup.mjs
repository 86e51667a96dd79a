// `npm run bench:backup`: the generated backup.sh and restore.sh against their baselines, measured in the
// same run on the same ~1 GB database (not part of `npm test`).
//
//   backup  = scripts/<service>/backup.sh to a local S3 server (moto_server), age encryption, ONE region
//   restore = restore.sh --latest into a new database (download, sha256, decrypt check, pg_restore, row counts)
//   baselines: pg_dump -Fc > /dev/null, and pg_restore from a local dump file into a new database
//   targets:   backup ≤ 1.5 × pg_dump, restore ≤ 1.5 × pg_restore
//
// The two-region backup (payload copied to the replica region too) is reported beside it, and a breakdown
// of the pipeline's pieces (row counts, encryption, sha256, upload, download…) and a profile of the S3 calls (aws
// CLI processes and curl requests, with their start times) say where the time goes.
//
// Environment: BENCH_SCALE (pgbench scale, default 70 ≈ 1 GB), BENCH_RUNS (default 3), BENCH_KEEP=1 keeps the
// work directory and the cluster's. PostgreSQL and moto are the test harness's (test/harness, via bench/lib.mjs).
// Needs PostgreSQL 15 (initdb, pg_ctl, pgbench in /usr/lib/postgresql/15/bin or DRC_PG_BIN), moto_server and
// aws (PATH or ~/.pyenv/shims), age, age-keygen; when run as root the server runs as the `postgres` user.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadHarness, median, root, timeChild } from './lib.mjs';

const harness = await loadHarness();
const drc = join(root, 'bin', 'drc.js');
const PG_BIN = harness.PG_BIN_DIR;
const scale = Number(process.env.BENCH_SCALE ?? 70);
const runs = Number(process.env.BENCH_RUNS ?? 3);

// The harness's tool lookup (PATH, ~/.pyenv/shims, the PostgreSQL 15 bin dir), which names the package
// to install when one is missing; pgbench from PostgreSQL 15 first, like the server.
const tool = Object.fromEntries(
  ['psql', 'pg_dump', 'pg_restore', 'createdb', 'moto_server', 'aws', 'age', 'age-keygen', 'bash', 'curl'].map((t) => [t, harness.requireTool(t)]),
);
tool.pgbench = harness.findTool(join(PG_BIN, 'pgbench')) ?? harness.requireTool('pgbench');
const scriptPath = [...new Set([dirname(tool.aws), PG_BIN, dirname(tool.age)]), process.env.PATH].join(':');

function check(r, cmd, args) {
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-3000)}${(r.stdout ?? '').slice(-1000)}`);
  return r;
}

function sh(cmd, args, opts = {}) {
  return check(spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts }), cmd, args).stdout;
}

/** Wall time of a command (seconds); bash -c for pipelines. */
async function timed(label, cmd, args, opts = {}) {
  const s = check(await timeChild(cmd, args, opts), cmd, args).ms / 1000;
  console.error(`  ${label}: ${s.toFixed(2)} s`);
  return s;
}

/** Median wall time of `runs` runs of the command make(i) returns; after(i) runs untimed after each. */
async function medianRuns(label, make, after = () => {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const [cmd, args, opts] = make(i);
    times.push(check(await timeChild(cmd, args, opts), cmd, args).ms / 1000);
    after(i);
  }
  const m = median(times);
  console.error(`  ${label}: median ${m.toFixed(2)} s of ${[...times].sort((a, b) => a - b).map((t) => t.toFixed(2)).join(', ')}`);
  return m;
}

const work = mkdtempSync(join(tmpdir(), 'drc-bench-backup-'));
chmodSync(work, 0o755);
// BENCH_KEEP also keeps the cluster's directory (a harness temp dir).
if (process.env.BENCH_KEEP) process.env.DRC_KEEP_TMP = '1';
let pg = null;
let moto = null;

/** Stops PostgreSQL and moto (the harness's stop()), removes the work directory. */
async function cleanup() {
  await Promise.all([pg?.stop(), moto?.stop()]);
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.error(`bench: kept ${work}${pg ? ` and ${pg.baseDir}` : ''}`);
}
// On a signal or an error: the postmaster stops here, before the harness's exit hooks remove its
// directory (its own hook needs postmaster.pid); they kill moto.
process.on('exit', () => {
  if (pg && existsSync(join(pg.dataDir, 'postmaster.pid'))) spawnSync(...harness.asPostgres(harness.requireTool('pg_ctl'), ['-D', pg.dataDir, '-w', '-m', 'immediate', 'stop']), { stdio: 'ignore' });
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function policy(name, recipient, port, twoRegions) {
  return `version: 1
name: ${name}
owner: sre@example.com
regions: { primary: us-east-1${twoRegions ? ', secondary: [us-west-2]' : ''} }
encryption:
  at_rest: AES256
  client_side: { method: age, recipients: [${recipient}] }
storage:
  backups:
    type: s3
    bucket: bench-use1
    region: us-east-1
${twoRegions ? '    replicas: [{ bucket: bench-usw2, region: us-west-2 }]\n' : ''}tiers:
  t: { title: Bench, rto: 4h, rpo: 24h, retention: 30d, restore_test: monthly, dr_drill: quarterly }
services:
  bench-db:
    title: Bench database
    tier: t
    owner: team
    environment: development
    kind: postgresql
    postgresql: { host: 127.0.0.1, port: ${port}, database: bench, user: postgres }
    schedule: hourly
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: ${join(work, 'metrics')}
`;
}

async function main() {
  console.error(`bench: work directory ${work}`);
  // Ordinary durability settings except fsync and synchronous_commit (the harness's throwaway cluster);
  // the same server serves every measurement.
  const settings = { shared_buffers: '512MB', max_wal_size: '4GB', maintenance_work_mem: '256MB' };
  await Promise.all([
    harness.startPostgres({ name: 'bench-backup-pg', settings }).then((c) => (pg = c)),
    harness.startMoto().then((m) => (moto = m)),
  ]);
  const { port } = pg;
  const { endpoint } = moto;
  const pgEnv = { ...process.env, ...pg.env };
  // Synchronous, like the after-callbacks of medianRuns that use it (pg.psql is asynchronous).
  const psql = (sql, db = 'postgres') => sh(tool.psql, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], { env: pgEnv }).trim();
  const awsEnv = harness.awsEnv();
  for (const [bucket, region] of [['bench-use1', 'us-east-1'], ['bench-usw2', 'us-west-2']]) {
    sh(tool.aws, ['--endpoint-url', endpoint, '--region', region, 's3api', 'create-bucket', '--bucket', bucket,
      ...(region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${region}`])], { env: { ...process.env, ...awsEnv } });
  }

  console.error(`bench: creating the database (pgbench -i -s ${scale}) …`);
  psql('CREATE DATABASE bench');
  await timed('pgbench -i', tool.pgbench, ['-i', '-q', '-s', String(scale), 'bench'], { env: pgEnv });
  psql('VACUUM ANALYZE', 'bench');
  const dbBytes = Number(psql("SELECT pg_database_size('bench')"));
  console.error(`bench: database size ${(dbBytes / 1e9).toFixed(2)} GB (${psql("SELECT pg_size_pretty(pg_database_size('bench'))")})`);

  // age identity, the scripts of a one-region and a two-region policy (drc build).
  const key = join(work, 'age.key');
  sh(tool['age-keygen'], ['-o', key], { stdio: ['ignore', 'ignore', 'pipe'] });
  const recipient = sh(tool['age-keygen'], ['-y', key]).trim();
  const scripts = {};
  for (const [label, two] of [['one', false], ['two', true]]) {
    const file = join(work, `policy-${label}.yaml`);
    writeFileSync(file, policy(`bench-${label}`, recipient, port, two));
    sh(process.execPath, [drc, 'build', file, '--out', join(work, `out-${label}`)]);
    scripts[label] = join(work, `out-${label}`, 'scripts', 'bench-db');
  }
  const scriptEnv = {
    ...process.env, ...awsEnv, PATH: scriptPath, AWS_ENDPOINT_URL: endpoint, DRC_AGE_IDENTITY_FILE: key,
    DRC_TEXTFILE_DIR: join(work, 'metrics'), TMPDIR: work, DRC_LOCK_DIR: work,
    PGHOST: undefined, PGPORT: undefined, PGUSER: undefined, PGDATABASE: undefined,
  };
  for (const k of Object.keys(scriptEnv)) if (scriptEnv[k] === undefined) delete scriptEnv[k];
  const bash = (cmd, env = pgEnv) => ['bash', ['-c', `set -o pipefail; ${cmd}`], { env }];

  console.error('bench: warming the cache (one pg_dump)');
  sh(...bash(`${tool.pg_dump} -Fc bench > /dev/null`));

  console.error('bench: backup');
  const pgDump = await medianRuns('pg_dump -Fc > /dev/null (baseline)', () => bash(`${tool.pg_dump} -Fc bench > /dev/null`));
  const backupOne = await medianRuns('backup.sh, one region', () => [tool.bash, [join(scripts.one, 'backup.sh')], { env: scriptEnv }]);
  const backupTwo = await medianRuns('backup.sh, two regions', () => [tool.bash, [join(scripts.two, 'backup.sh')], { env: scriptEnv }]);
  const payloadBytes = Number(sh(tool.aws, ['--endpoint-url', endpoint, 's3api', 'list-objects-v2', '--bucket', 'bench-use1', '--prefix', 'bench-one/', '--query', 'Contents[?ends_with(Key, `.age`)].Size | [0]', '--output', 'text'], { env: { ...process.env, ...awsEnv } }).trim());

  console.error('bench: restore');
  const dumpFile = join(work, 'local.dump');
  sh(...bash(`${tool.pg_dump} -Fc -f ${dumpFile} bench`));
  const dropAfter = (db) => psql(`DROP DATABASE IF EXISTS ${db}`);
  const pgRestore = await medianRuns('createdb + pg_restore from a local file (baseline)', (i) => bash(`${tool.createdb} r_baseline_${i} && ${tool.pg_restore} --exit-on-error --no-owner --no-acl -d r_baseline_${i} ${dumpFile}`), (i) => dropAfter(`r_baseline_${i}`));
  const restoreOne = await medianRuns('restore.sh --latest, one region', (i) => [tool.bash, [join(scripts.one, 'restore.sh'), '--latest', '--target-db', `r_script_${i}`, '--yes'], { env: scriptEnv }], (i) => dropAfter(`r_script_${i}`));
  console.error('bench: breakdown of the pipeline');
  const enc = join(work, 'payload.age');
  const tables = psql("SELECT string_agg(format('SELECT count(*) FROM %I.%I', schemaname, relname), ' UNION ALL ') FROM pg_stat_user_tables", 'bench');
  const parts = {
    'row counts (one scan per table)': await timed('row counts', ...bash(`${tool.psql} -X -q -A -t -d bench -c "${tables}" > /dev/null`)),
    'pg_dump | age > /dev/null': await timed('pg_dump | age', ...bash(`${tool.pg_dump} -Fc bench | ${tool.age} -r ${recipient} > /dev/null`)),
    'pg_dump | age | tee >(sha256sum) >(wc -c) > file': await timed('pg_dump | age | sha256 + size', ...bash(`${tool.pg_dump} -Fc bench | ${tool.age} -r ${recipient} | tee >(sha256sum > /dev/null) >(wc -c > /dev/null) > ${enc}`)),
    'aws s3 cp - (upload of the payload)': await timed('upload', ...bash(`${tool.aws} s3 cp --only-show-errors - s3://bench-use1/probe/payload.age < ${enc}`, { ...process.env, ...awsEnv, AWS_ENDPOINT_URL: endpoint })),
    'aws s3 cp (download of the payload)': await timed('download', ...bash(`${tool.aws} s3 cp --only-show-errors s3://bench-use1/probe/payload.age ${enc}.down`, { ...process.env, ...awsEnv, AWS_ENDPOINT_URL: endpoint })),
    'sha256sum of the payload': await timed('sha256sum', ...bash(`sha256sum ${enc} > /dev/null`)),
    'age -d | pg_restore --list (whole payload decrypted)': await timed('decrypt + list', ...bash(`${tool.age} -d -i ${key} ${enc} | { ${tool.pg_restore} --list > /dev/null && cat > /dev/null; }`)),
    'age -d | pg_restore (into a new database)': await timed('decrypt + pg_restore', ...bash(`${tool.createdb} r_pipe && ${tool.age} -d -i ${key} ${enc} | ${tool.pg_restore} --exit-on-error --no-owner --no-acl -d r_pipe`)),
    'replica copy (aws s3 cp s3:// - | aws s3 cp - s3://)': await timed('replica copy', ...bash(`${tool.aws} s3 cp --only-show-errors s3://bench-use1/probe/payload.age - | ${tool.aws} s3 cp --only-show-errors - s3://bench-usw2/probe/payload.age`, { ...process.env, ...awsEnv, AWS_ENDPOINT_URL: endpoint })),
    'one aws CLI call (s3api head-object)': await timed('one aws call', ...bash(`${tool.aws} s3api head-object --bucket bench-use1 --key probe/payload.age > /dev/null`, { ...process.env, ...awsEnv, AWS_ENDPOINT_URL: endpoint })),
  };

  // Profile: the scripts again with aws and curl shims on PATH that log every call's start and end. The
  // small S3 requests go through curl --aws-sigv4 (docs/scripts.md); the aws CLI lists and streams.
  console.error('bench: profiling the aws CLI calls and curl requests of backup.sh and restore.sh (one region)');
  const shimDir = join(work, 'shim');
  mkdirSync(shimDir);
  const awsLog = join(work, 'aws-calls.log');
  for (const [name, real] of [['aws', tool.aws], ['curl', tool.curl]]) {
    writeFileSync(join(shimDir, name), `#!/usr/bin/env bash\ns=$EPOCHREALTIME; ${real} "$@"; c=$?; e=$EPOCHREALTIME\n[[ "$1" == --version ]] || echo "$s $e ${name} $*" >> ${awsLog}; exit $c\n`, { mode: 0o755 });
  }
  const profile = async (label, args) => {
    writeFileSync(awsLog, '');
    const t0 = Date.now() / 1000;
    const total = await timed(`${label} (profiled)`, tool.bash, args, { env: { ...scriptEnv, PATH: `${shimDir}:${scriptPath}` } });
    const calls = sh('cat', [awsLog]).trim().split('\n').filter(Boolean).map((l) => {
      const [s, e, name, ...rest] = l.split(' ');
      let what = rest.join(' ');
      if (name === 'curl') {
        const method = / --head /.test(what) ? 'HEAD' : (what.match(/ -X (\w+)/) ?? [])[1] ?? 'GET';
        what = `curl ${method} ${(what.split(' ').pop() ?? '').replace(/^https?:\/\/[^/]+\/[^/]+\/(\S*\/)?/, '…/')}`;
      } else what = `aws ${what.replace(/--(region|endpoint-url) \S+ ?/g, '').replace(/--only-show-errors /, '').replace(/s3:\/\/\S+?\/(\S*\/)?/g, 's3://…/')}`;
      return { what: what.slice(0, 60), start: Number(s) - t0, seconds: Number(e) - Number(s), curl: name === 'curl' };
    }).sort((a, b) => a.start - b.start);
    return { label, total, calls };
  };
  const profiles = [
    await profile('backup.sh', [join(scripts.one, 'backup.sh')]),
    await profile('restore.sh', [join(scripts.one, 'restore.sh'), '--latest', '--target-db', 'r_profile', '--yes']),
  ];

  const f = (s) => `${s.toFixed(2)} s`;
  const ratio = (a, b) => (a / b).toFixed(2);
  const verdict = (r) => (r <= 1.5 ? 'meets the 1.5× target' : 'MISSES the 1.5× target');
  const lines = [
    '',
    `drc bench:backup — median of ${runs} runs, pgbench scale ${scale}, database ${(dbBytes / 1e9).toFixed(2)} GB, payload ${(payloadBytes / 1e6).toFixed(1)} MB (pg_dump -Fc, age), ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs`,
    '',
    '| measurement | time | ratio |',
    '|---|---|---|',
    `| pg_dump -Fc > /dev/null (baseline) | ${f(pgDump)} | 1.00 |`,
    `| backup.sh, one region (age, local S3) | ${f(backupOne)} | ${ratio(backupOne, pgDump)} (${verdict(backupOne / pgDump)}) |`,
    `| backup.sh, two regions | ${f(backupTwo)} | ${ratio(backupTwo, pgDump)} |`,
    `| pg_restore from a local file (baseline) | ${f(pgRestore)} | 1.00 |`,
    `| restore.sh --latest, one region | ${f(restoreOne)} | ${ratio(restoreOne, pgRestore)} (${verdict(restoreOne / pgRestore)}) |`,
    '',
    'Breakdown (each piece on its own):',
    ...Object.entries(parts).map(([k, v]) => `  ${k.padEnd(56)} ${f(v)}`),
    '',
    ...profiles.flatMap((p) => {
      const aws = p.calls.filter((c) => !c.curl);
      const curl = p.calls.filter((c) => c.curl);
      return [
        `S3 calls of ${p.label} (profiled run ${f(p.total)}): ${aws.length} aws CLI calls (${f(aws.reduce((a, c) => a + c.seconds, 0))}), ` +
          `${curl.length} curl requests (${f(curl.reduce((a, c) => a + c.seconds, 0))}); start after the script's start, duration`,
        ...p.calls.map((c) => `  ${c.what.padEnd(62)} ${`+${c.start.toFixed(2)} s`.padStart(9)} ${f(c.seconds)}`),
      ];
    }),
    '',
  ];
  console.log(lines.join('\n'));
}

try {
  await main();
  await cleanup();
} catch (e) {
  console.error(`bench: ${e.message}`);
  await cleanup().catch((e2) => console.error(`bench: cleanup: ${e2.message}`));
  process.exit(1);
}
