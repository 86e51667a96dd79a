// `npm run bench:verify`: one `drc verify` of N services × M backups (primary and replica bucket) against
// moto, with a baseline measured in the same run: the listing floor, i.e. the listings verify cannot
// do without (every service's backup folders in every bucket: a paginated ListObjectsV2 with
// Delimiter '/' per service and bucket; and every service's restore-test records in the primary),
// in a fresh process with the AWS SDK and the same number of requests in flight as verify.
//
// moto is started by bench/verify_moto.py (the same moto as moto_server, in-process so the objects
// can be seeded through its backend: 400,000 objects in about 20 s instead of 20 minutes over HTTP).
// Buckets are created and configured over HTTP exactly as `drc build` configures them.
// Two servers: `stock` moto, whose every listing scans every key of the bucket (so listing cost grows
// with services × bucket size), and `indexed`, the same moto with a bench-only patch that lists from a
// sorted key index (the same responses; S3 too lists from an index), which shows what verify itself costs.
//
//   BENCH_VERIFY_SIZES=10,200,1000   backups per service, one fresh moto each (default 1000)
//   BENCH_VERIFY_MOTO=indexed,stock  which servers (default both)
//   BENCH_VERIFY_SERVICES=100        services
//   BENCH_RUNS=3                     verify and baseline runs per size (median); plus one --deep run
//   BENCH_VERIFY_CONCURRENCY=16      --concurrency for verify and the baseline
//   BENCH_VERIFY_BASELINE_ONLY=1     seed and run the baselines only
//   BENCH_VERIFY_LATENCY_MS=30       delay every answer (a stand-in for the round trip to a remote S3 endpoint)
//   BENCH_VERIFY_HOLD=1              seed the first size, print the drc verify command line, keep serving until killed
//   BENCH_VERIFY_DRC=a/bin/drc.js,b/bin/drc.js   builds to compare on the same data (runs alternate); default bin/drc.js
//   BENCH_VERIFY_NODE_ARGS="--cpu-prof --cpu-prof-dir=.tmp/prof"   extra node options for the verify runs
//
// Benchmarks are not tests: nothing fails because a machine is slow; it fails when verify reports a
// finding on the healthy installation it is given.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundle, loadHarness, median, root, timeChild } from './lib.mjs';

const work = join(root, '.tmp', 'bench-verify');
const builds = (process.env.BENCH_VERIFY_DRC ?? join(root, 'bin', 'drc.js')).split(',');

// ---- baseline mode: a child process that only lists -----------------------------------------------
// (no bundling here: this process is timed; the moto credentials are in the environment it inherits)
if (process.argv[2] === '--list-baseline') {
  const [endpoint, specFile, concurrency] = process.argv.slice(3);
  const spec = JSON.parse((await import('node:fs')).readFileSync(specFile, 'utf8'));
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const clients = new Map();
  const client = (region) => {
    if (!clients.has(region)) clients.set(region, new S3Client({ region, endpoint, forcePathStyle: true, maxAttempts: 4 }));
    return clients.get(region);
  };
  const jobs = [
    ...spec.buckets.flatMap((b) => spec.prefixes.map((prefix) => ({ ...b, prefix, delimiter: '/' }))),
    ...spec.prefixes.map((prefix) => ({ ...spec.buckets[0], prefix: `${prefix}restore-tests/` })),
  ];
  let next = 0;
  let folders = 0;
  let requests = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { bucket, region, prefix, delimiter } = jobs[next++];
      let token;
      do {
        const page = await client(region).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: 1000 }));
        requests++;
        folders += (page.CommonPrefixes?.length ?? 0) + (page.Contents?.length ?? 0);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  for (const c of clients.values()) c.destroy();
  console.log(JSON.stringify({ folders, requests }));
  process.exit(0);
}

// ---- the benchmark -------------------------------------------------------------------------------
mkdirSync(work, { recursive: true });
const SERVICES = Number(process.env.BENCH_VERIFY_SERVICES ?? 100);
const SIZES = (process.env.BENCH_VERIFY_SIZES ?? '1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_VERIFY_CONCURRENCY ?? 16);
const BASELINE_ONLY = process.env.BENCH_VERIFY_BASELINE_ONLY === '1';
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const SERVERS = (process.env.BENCH_VERIFY_MOTO ?? 'indexed,stock').split(',');
const LATENCY_MS = Number(process.env.BENCH_VERIFY_LATENCY_MS ?? 0);

/** The few source modules the set-up needs (lint, the build's bucket configuration, the layout), bundled. */
const loadHelpers = () => bundle('verify-helpers', [
  "export { lintText } from './src/checker/index.ts';",
  "export * from './src/emitters/aws/bucket-config.ts';",
  "export { payloadName, servicePrefix, storageBuckets } from './src/emitters/layout.ts';",
  "export { DRC_VERSION } from './src/generated/version.ts';",
]);

/** A lint-clean policy: N services (postgresql and files, alternating), tier1, hourly, one replica. */
function policyText(n, primary, replica) {
  const lines = [
    'version: 1',
    'name: bench',
    'owner: sre@example.com',
    'regions: { primary: us-east-1, secondary: [us-west-2] }',
    'encryption:',
    '  at_rest: aws:kms',
    '  kms_key: alias/bench-backup',
    '  replica_kms_keys: { us-west-2: alias/bench-backup-usw2 }',
    '  client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] }',
    'storage:',
    '  backups:',
    '    type: s3',
    `    bucket: ${primary}`,
    '    region: us-east-1',
    `    replicas: [{ bucket: ${replica}, region: us-west-2 }]`,
    '    object_lock: { mode: governance, days: 7 }',
    '    transitions:',
    '      - { after: 30d, class: STANDARD_IA }',
    'tiers:',
    '  tier1: { title: Critical, rto: 4h, rpo: 1h, retention: 60d, restore_test: monthly, dr_drill: quarterly, min_regions: 2, immutable: true }',
    'defaults: { storage: backups, owner: team-sre }',
    'services:',
  ];
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    if (i % 2 === 0) {
      lines.push(`  ${name}:`, '    tier: tier1', '    kind: postgresql',
        `    postgresql: { host: db${i}.internal, port: 5432, database: app${i}, user: backup }`,
        '    schedule: hourly', '    data_size: 20GiB', '    restore_rate: 100MiB/s');
    } else {
      lines.push(`  ${name}:`, '    tier: tier1', '    kind: files', `    paths: [/srv/app${i}]`,
        '    schedule: hourly', '    data_size: 5GiB', '    restore_rate: 100MiB/s');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Starts bench/verify_moto.py; returns its endpoint and a JSON-line request function. */
async function startMoto(server) {
  const child = spawn(PYTHON, [join(root, 'bench', 'verify_moto.py'), ...(server === 'indexed' ? ['--indexed'] : []), ...(LATENCY_MS ? [`--latency-ms=${LATENCY_MS}`] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`verify_moto.py exited ${code}`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const { port } = await next();
  const ask = async (cmd) => {
    const answer = next();
    child.stdin.write(`${JSON.stringify(cmd)}\n`);
    const out = await answer;
    if (out.error) throw new Error(`verify_moto.py: ${out.error}`);
    return out;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ask,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
    }),
  };
}

async function configureBuckets(h, harness, endpoint, policy) {
  const sdk = await import('@aws-sdk/client-s3');
  const storage = policy.storage.get('backups');
  const clients = [];
  for (const { bucket, region } of h.storageBuckets(storage)) {
    const c = new sdk.S3Client(harness.s3ClientConfig(endpoint, region));
    clients.push(c);
    await c.send(new sdk.CreateBucketCommand({
      Bucket: bucket,
      ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region } } : {}),
      ...(storage.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
    }));
    await c.send(new sdk.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: h.bucketVersioning(storage, bucket) }));
    await c.send(new sdk.PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: h.bucketEncryption(policy, storage, bucket) }));
    const lock = h.objectLockConfiguration(storage, bucket);
    if (lock) await c.send(new sdk.PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: lock }));
    await c.send(new sdk.PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: h.lifecycleConfiguration(policy, storage, bucket) }));
  }
  const replication = h.replicationConfiguration(policy, storage, 'arn:aws:iam::123456789012:role/drc-replication');
  await clients[0].send(new sdk.PutBucketReplicationCommand({ Bucket: storage.bucket, ReplicationConfiguration: replication }));
  for (const c of clients) c.destroy();
}

/** Runs node with args: wall time, CPU (user+sys) and peak RSS (lib.mjs timeChild). */
const timed = (args, env) => timeChild(process.execPath, args, { env });
const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;

function requestSummary(stats) {
  const kinds = Object.entries(stats.kinds).sort((a, b) => b[1].cpu_s - a[1].cpu_s);
  const total = kinds.reduce((n, [, k]) => n + k.count, 0);
  const cpu = kinds.reduce((n, [, k]) => n + k.cpu_s, 0);
  const parts = kinds.map(([name, k]) => `${name} ${k.count} (${k.cpu_s.toFixed(1)} s)`);
  return { total, cpu, text: parts.join(', ') };
}

const [h, harness] = await Promise.all([loadHelpers(), loadHarness()]);
// The credentials and region moto accepts, for this process's SDK and every child (verify, the baseline).
Object.assign(process.env, harness.awsEnv());
const results = [];
for (const server of SERVERS) for (const backups of SIZES) {
  const primary = `bench-use1-${backups}`;
  const replica = `bench-usw2-${backups}`;
  const text = policyText(SERVICES, primary, replica);
  const file = join(work, `policy-${SERVICES}x${backups}.yaml`);
  writeFileSync(file, text);
  const lint = h.lintText(text, file);
  const findings = lint.diagnostics.filter((d) => !d.suppressed && d.severity !== 'info');
  if (findings.length) throw new Error(`the benchmark policy is not lint-clean: ${findings.slice(0, 3).map((d) => `${d.rule}: ${d.message}`).join('; ')}`);
  const policy = lint.policy;
  const storage = policy.storage.get('backups');

  const moto = await startMoto(server);
  try {
    await configureBuckets(h, harness, moto.endpoint, policy);
    const now = Date.now();
    const seed = await moto.ask({
      op: 'seed',
      now_ms: now,
      backups,
      interval_s: 3600,
      newest_age_s: 600,
      duration_s: 60,
      policy: policy.name,
      policy_sha256: policy.sha256,
      drc_version: h.DRC_VERSION,
      encryption: 'age',
      buckets: h.storageBuckets(storage).map(({ bucket, region }) => ({ bucket, region })),
      services: policy.services.map((s) => ({ name: s.name, kind: s.kind, prefix: h.servicePrefix(policy, s), payload: h.payloadName(s) })),
      restore_tests: { count: 10, interval_s: 3 * 86_400, newest_age_s: 86_400 },
    });
    console.log(`[${server} moto] ${SERVICES} services × ${backups} backups × 2 buckets: seeded ${seed.objects} objects in ${seed.seconds.toFixed(1)} s (moto backend, ${Math.round(seed.objects / seed.seconds)}/s)${seed.index_checked ? `; indexed listing = stock listing on ${seed.index_checked} samples` : ''}`);

    if (process.env.BENCH_VERIFY_HOLD === '1') {
      console.log(`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test node bin/drc.js verify ${file} --endpoint ${moto.endpoint} --format json --no-progress`);
      await new Promise(() => {});
    }
    const specFile = join(work, `baseline-${backups}.json`);
    writeFileSync(specFile, JSON.stringify({
      buckets: h.storageBuckets(storage).map(({ bucket, region }) => ({ bucket, region })),
      prefixes: policy.services.map((s) => h.servicePrefix(policy, s)),
    }));
    await moto.ask({ op: 'stats' });
    const baselines = [];
    let baselineStats;
    for (let i = 0; i < RUNS; i++) {
      const b = await timed([fileURLToPath(import.meta.url), '--list-baseline', moto.endpoint, specFile, String(CONCURRENCY)], process.env);
      if (b.status !== 0) throw new Error(`baseline failed: ${b.stderr}`);
      // Each service: its folders and restore-tests/ in the primary, its folders in the replica, 10 records.
      const listed = JSON.parse(b.stdout).folders;
      const expected = SERVICES * (2 * backups + 1 + 10);
      if (listed !== expected) throw new Error(`the listing floor saw ${listed} entries, expected ${expected}`);
      baselines.push(b);
      baselineStats = await moto.ask({ op: 'stats' });
    }
    const baseline = median(baselines.map((b) => b.ms));
    const base = requestSummary(baselineStats);
    console.log(`  listing floor (folders of every service in both buckets, restore-test records): ${baselines.map((b) => fmtS(b.ms)).join(', ')}; ` +
      `${base.total} requests, moto CPU ${baselineStats.process_cpu_s.toFixed(1)} s (in requests ${base.cpu.toFixed(1)} s)`);

    const row = { server, backups, objects: seed.objects, seedS: seed.seconds, baselineMs: baseline, baselineRequests: base.total, baselineMotoCpu: baselineStats.process_cpu_s };
    if (!BASELINE_ONLY) {
      const nodeArgs = (process.env.BENCH_VERIFY_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const rows = builds.map((drc) => ({ ...row, build: relative(root, drc), runs: [], motoCpu: [], args: [...nodeArgs, drc, 'verify', file, '--endpoint', moto.endpoint, '--format', 'json', '--no-progress', '--concurrency', String(CONCURRENCY)] }));
      for (let i = 0; i < RUNS + 1; i++) {
        for (const b of rows) {
          const deep = i === RUNS;
          const r = await timed(deep ? [...b.args, '--deep'] : b.args, process.env);
          const stats = await moto.ask({ op: 'stats' });
          let json;
          try {
            json = JSON.parse(r.stdout);
          } catch {
            throw new Error(`verify printed no JSON (exit ${r.status}): ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 2000)}`);
          }
          if (r.status !== 0 || json.diagnostics.length > 0 || Object.keys(json.services).length !== SERVICES) {
            throw new Error(`verify found something on a healthy installation (exit ${r.status}): ${JSON.stringify(json.diagnostics.slice(0, 3))}`);
          }
          const folders = json.services['svc-000'].backup_folders;
          if (folders !== backups) throw new Error(`svc-000 has ${folders} backup folders, expected ${backups}`);
          const req = requestSummary(stats);
          console.log(`  verify${deep ? ' --deep' : ''}${builds.length > 1 ? ` [${b.build}]` : ''}: ${fmtS(r.ms)} (node CPU ${r.cpuS?.toFixed(1) ?? '?'} s, ${r.rssMb?.toFixed(0) ?? '?'} MB; ` +
            `moto CPU ${stats.process_cpu_s.toFixed(1)} s, in requests ${req.cpu.toFixed(1)} s); ${req.total} requests: ${req.text}`);
          if (deep) b.deepMs = r.ms;
          else {
            b.runs.push(r);
            b.requests = req.total;
            b.motoCpu.push(stats.process_cpu_s);
          }
        }
      }
      for (const b of rows) {
        b.verifyMs = median(b.runs.map((r) => r.ms));
        results.push(b);
      }
    } else results.push(row);
  } finally {
    await moto.stop();
  }
}

console.log('\n' + (builds.length > 1 ? 'build'.padEnd(28) : '') + 'moto      services × backups   objects   listing floor   verify (median)   ratio   verify --deep   requests (verify / floor)   moto CPU (verify / floor)');
for (const r of results) {
  console.log([
    ...(builds.length > 1 ? [String(r.build).padEnd(27)] : []),
    r.server.padEnd(9),
    `${SERVICES} × ${r.backups}`.padEnd(20),
    String(r.objects).padEnd(9),
    fmtS(r.baselineMs).padEnd(15),
    (r.verifyMs ? fmtS(r.verifyMs) : '-').padEnd(17),
    (r.verifyMs ? `${(r.verifyMs / r.baselineMs).toFixed(2)}×` : '-').padEnd(7),
    (r.deepMs ? fmtS(r.deepMs) : '-').padEnd(15),
    `${r.requests ?? '-'} / ${r.baselineRequests}`.padEnd(27),
    `${r.motoCpu ? `${median(r.motoCpu).toFixed(1)} s` : '-'} / ${r.baselineMotoCpu.toFixed(1)} s`,
  ].join(' '));
}
console.log(`(${RUNS} verify runs each, median; --concurrency ${CONCURRENCY}${LATENCY_MS ? `; ${LATENCY_MS} ms added to every answer` : ''}; node ${process.version}; moto via bench/verify_moto.py)`);
