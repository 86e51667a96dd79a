// The scripts family: what is emitted (small per-service scripts + one library per kind), determinism,
// shellcheck, no secrets, templates that escape every policy value, the library check (missing, mismatched,
// symlinked scripts), the bash helpers (gfs_tag, json_str), systemd calendars, the CronJob and its mounts,
// output size, and a property test that shell metacharacters in any free-text policy value never run as code
// and never reach the library.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { cronToOnCalendar, emit, LIB_CONFIGMAP_PATH, scriptFilesFor } from '../../src/emitters/scripts/index.js';
import type { Artifact } from '../../src/emitters/types.js';
import { gfsTagFor } from '../../src/emitters/aws/gfs.js';
import { makeTempDir, requireTool, run, runOk } from '../harness/index.js';
import { generatePolicy } from '../../bench/generate.mjs';

const TEMPLATES = join(import.meta.dirname, '../../src/emitters/scripts/templates');
const ACME = readFileSync(join(import.meta.dirname, '../../examples/acme/drc.yaml'), 'utf8');
const tmp = makeTempDir('scripts-unit');
afterAll(() => tmp.cleanup());

const stampDate = (s: string) => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);

function build(text: string): Artifact[] {
  const lint = lintText(text, 'drc.yaml');
  const errors = lint.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !lint.policy) throw new Error(errors.map((d) => `${d.message}`).join('\n'));
  return [...emit({ policy: lint.policy, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: '1.2.3' })];
}

/** A policy with every script kind and both client-side methods (openssl through a second policy). */
const OPENSSL = `version: 1
name: rich
owner: sre@example.com
regions: { primary: eu-west-1, secondary: [eu-central-1] }
timezone: Europe/Berlin
encryption:
  at_rest: AES256
  client_side: { method: openssl, passphrase_env: DRC_BACKUP_PASSPHRASE }
storage:
  main:
    type: s3
    bucket: rich-backups
    region: eu-west-1
    replicas: [{ bucket: rich-backups-euc1, region: eu-central-1 }]
tiers:
  t: { rto: 4h, rpo: 24h, retention: 30d, restore_test: every 14d, dr_drill: quarterly, min_regions: 2 }
services:
  ledger:
    tier: t
    kind: postgresql
    postgresql: { host: ledger.internal, port: 5433, database: ledger, user: backup, pitr: true }
    schedule: cron(15 1,13 * * 1-5)
    storage: main
  uploads:
    tier: t
    kind: files
    paths: [/srv/uploads, /etc/app]
    exclude: ["*.tmp", "cache/"]
    schedule: every 90m
    storage: main
monitoring: { metrics: textfile, textfile_dir: /var/lib/node_exporter }
`;

const LIB = /^scripts\/_lib\/drc-(postgresql|files|s3-bucket)\.sh$/;
const isLib = (a: Artifact) => LIB.test(a.path);
const isScript = (a: Artifact) => a.path.endsWith('.sh') && !isLib(a);

/** Writes every artifact under dir; returns the paths of the per-service scripts (not the libraries). */
function writeAll(artifacts: Artifact[], dir: string): string[] {
  const scripts: string[] = [];
  for (const a of artifacts) {
    const p = join(dir, a.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, a.content, { mode: a.executable ? 0o755 : 0o644 });
    if (isScript(a)) scripts.push(p);
  }
  return scripts;
}

/** The library a service's script sources. */
function libraryOf(artifacts: Artifact[], scriptPath: string): Artifact {
  const service = scriptPath.split('/')[1]!;
  const libs = scriptFilesFor(artifacts, service).filter(isLib);
  expect(libs, scriptPath).toHaveLength(1);
  return libs[0]!;
}

/** A bash function's definition, cut out of a library. */
function fnOf(text: string, name: string): string {
  return text.match(new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}$`, 'm'))![0];
}

describe('scripts emitter', () => {
  const acme = build(ACME);
  const rich = build(OPENSSL);

  it('emits the four executable scripts for postgresql, files and s3-bucket services, and nothing for other kinds', () => {
    const paths = acme.map((a) => a.path);
    for (const svc of ['production-db', 'analytics-db', 'app-config', 'user-files'])
      for (const s of ['backup.sh', 'restore.sh', 'restore-test.sh', 'verify.sh']) {
        const a = acme.find((x) => x.path === `scripts/${svc}/${s}`);
        expect(a, `${svc}/${s}`).toBeDefined();
        expect(a!.executable).toBe(true);
        expect(a!.content.startsWith('#!/usr/bin/env bash\n')).toBe(true);
        expect(a!.content).toContain('\nset -Eeuo pipefail\numask 077\n');
      }
    expect(paths.some((p) => p.startsWith('scripts/cluster-state/') || p.startsWith('scripts/orders-dynamodb/'))).toBe(false);
  });

  it('emits the code once, as one library per kind in scripts/_lib/; each script holds settings, not code', () => {
    expect(acme.filter(isLib).map((a) => a.path)).toEqual(['scripts/_lib/drc-postgresql.sh', 'scripts/_lib/drc-files.sh', 'scripts/_lib/drc-s3-bucket.sh']);
    expect(rich.filter(isLib).map((a) => a.path)).toEqual(['scripts/_lib/drc-postgresql.sh', 'scripts/_lib/drc-files.sh']);
    // `_lib` cannot be a service's folder: service names start with [a-z0-9].
    expect(acme.filter((a) => a.path.startsWith('scripts/_lib/')).map((a) => a.path).sort())
      .toEqual([...acme.filter(isLib).map((a) => a.path), LIB_CONFIGMAP_PATH].sort());
    for (const lib of [...acme, ...rich].filter(isLib)) {
      expect(lib.executable).toBeFalsy(); // sourced, not run
      expect(lib.content).toMatch(/^# shellcheck shell=bash\n/);
      for (const fn of ['drc_main', 'drc_backup_main', 'drc_restore_main', 'drc_restore_test_main', 'drc_verify_main', 'gfs_tag', 'json_str', 'fetch_backup', 'restore_into|restore_objects'])
        expect(lib.content, `${lib.path}: ${fn}`).toMatch(new RegExp(`^(${fn})\\(\\) \\{`, 'm'));
    }
    for (const [build, a] of [...acme.filter(isScript).map((x) => [acme, x] as const), ...rich.filter(isScript).map((x) => [rich, x] as const)]) {
      expect(a.content.length, a.path).toBeLessThan(5000);
      expect(a.content.match(/^[a-z_]+\(\) \{/gm), a.path).toEqual(['drc_lib_fail() {']); // no code but the loader
      const lib = libraryOf(build, a.path);
      expect(a.content).toContain(`DRC_LIB_SHA256='${createHash('sha256').update(lib.content).digest('hex')}'`);
      expect(a.content).toContain(`# shellcheck source=../_lib/${lib.path.split('/').pop()}\nsource "$DRC_LIB_DIR/${lib.path.split('/').pop()}"\ndrc_main "$@"\n`);
      expect(a.content.endsWith('drc_main "$@"\n')).toBe(true);
    }
    // The library is the same for every policy: it holds no policy value.
    expect(rich.find((a) => a.path === 'scripts/_lib/drc-postgresql.sh')).toEqual(acme.find((a) => a.path === 'scripts/_lib/drc-postgresql.sh'));
  });

  it("scriptFilesFor: a service's scripts and the library they source, with build-relative paths", () => {
    expect(scriptFilesFor(acme, 'production-db').map((a) => a.path)).toEqual([
      'scripts/production-db/backup.sh', 'scripts/production-db/restore.sh', 'scripts/production-db/restore-test.sh', 'scripts/production-db/verify.sh',
      'scripts/_lib/drc-postgresql.sh',
    ]);
    expect(scriptFilesFor(rich, 'uploads').map((a) => a.path).sort()).toEqual([
      'scripts/_lib/drc-files.sh', 'scripts/uploads/backup.sh', 'scripts/uploads/restore-test.sh', 'scripts/uploads/restore.sh', 'scripts/uploads/verify.sh',
    ]);
    expect(scriptFilesFor(acme, 'cluster-state')).toEqual([]);
    expect(scriptFilesFor(acme, 'production')).toEqual([]); // a prefix of another service's name
  });

  it('is deterministic and free of absolute build paths and timestamps', () => {
    expect(build(ACME)).toEqual(acme);
    for (const a of [...acme, ...rich]) {
      expect(a.content).not.toContain(process.cwd());
      expect(a.content).not.toMatch(/\r/);
    }
  });

  it('every generated script and library passes bash -n and shellcheck -S warning', async () => {
    const shellcheck = requireTool('shellcheck');
    const dir = join(tmp.path, 'sc');
    const scripts = [...writeAll(acme, join(dir, 'acme')), ...writeAll(rich, join(dir, 'rich'))];
    expect(scripts.length).toBe(24);
    const libs = [...acme.filter(isLib).map((a) => join(dir, 'acme', a.path)), ...rich.filter(isLib).map((a) => join(dir, 'rich', a.path))];
    expect(libs.length).toBe(5);
    for (const s of [...scripts, ...libs]) await runOk('bash', ['-n', s]);
    // Each script with -x, so shellcheck follows its `source` into the library (a setting the library does
    // not use is reported); each library on its own, because -x does not report findings inside sourced files.
    // Run from / so the scripts' `source-path=SCRIPTDIR` directive, not the working directory, finds the library.
    const results = await Promise.all([
      ...scripts.map((s) => run(shellcheck, ['-x', '-S', 'warning', '-s', 'bash', s], { timeoutMs: 120_000, cwd: '/' })),
      ...libs.map((s) => run(shellcheck, ['-S', 'warning', '-s', 'bash', s], { timeoutMs: 120_000 })),
    ]);
    for (const r of results) {
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // -x really follows: without the library, the script's settings are unused.
    const alone = await run(shellcheck, ['-S', 'warning', '-s', 'bash', scripts[0]!], { timeoutMs: 120_000 });
    expect(alone.stdout).toContain('SC2034');
  });

  it('every shared function a script calls is defined in that script or the library it sources (kind-specific parts included)', () => {
    const scripts = [...acme.filter(isScript).map((a) => ({ path: a.path, content: a.content + libraryOf(acme, a.path).content })),
      ...rich.filter(isScript).map((a) => ({ path: a.path, content: a.content + libraryOf(rich, a.path).content }))];
    const defined = (text: string) => new Set([...text.matchAll(/^([a-z_]+)\(\) \{/gm)].map((m) => m[1]!));
    const all = new Set(scripts.flatMap((a) => [...defined(a.content)]));
    for (const a of scripts) {
      const own = defined(a.content);
      const body = a.content.replace(/^#.*$/gm, '');
      for (const name of all) {
        if (own.has(name)) continue;
        expect(new RegExp(`(^|[\\s;|&(])${name}(\\s|$|;|\\))`, 'm').test(body), `${a.path} calls ${name} but does not define it`).toBe(false);
      }
    }
  });

  it('puts no secret in scripts or argv: passphrases via env:VAR, no PGPASSWORD or AWS key assignments', () => {
    for (const a of [...acme, ...rich].filter((x) => x.path.endsWith('.sh') || x.path.endsWith('.yaml'))) {
      expect(a.content).not.toMatch(/-pass pass:|-k |PGPASSWORD=|AWS_SECRET_ACCESS_KEY=|AWS_ACCESS_KEY_ID=|AGE-SECRET-KEY/);
      expect(a.content).not.toMatch(/--password\b/);
    }
    const backup = rich.find((a) => a.path === 'scripts/ledger/backup.sh')!.content;
    expect(libraryOf(rich, 'scripts/ledger/backup.sh').content).toContain('-pass "env:$DRC_PASSPHRASE_ENV"');
    expect(backup).toContain("DRC_PASSPHRASE_ENV='DRC_BACKUP_PASSPHRASE'");
    expect(backup).toContain("DRC_SSE=('AES256' 'AES256' )");
  });

  it('templates print policy values only through {{sh}}', () => {
    const allowed = /^\{\{(#if [\w.]+|\/if|else|#each \w+|\/each|sh [\w.]+|script|kindWords)\}\}$/;
    for (const f of readdirSync(TEMPLATES)) {
      const text = readFileSync(join(TEMPLATES, f), 'utf8');
      for (const m of text.matchAll(/\{\{[^}]*\}\}/g)) expect(m[0], `${f}: ${m[0]}`).toMatch(allowed);
      expect(text).not.toContain('{{{');
    }
  });

  it('gfs_tag follows the rule of docs/gfs-retention.md', async () => {
    const script = libraryOf(acme, 'scripts/production-db/backup.sh').content;
    const fn = (name: string) => fnOf(script, name);
    const cases: [string, string, string][] = [
      ['20260105T100000Z', '', 'yearly'],
      ['20260101T000000Z', '20251231T235959Z', 'yearly'],
      ['20260201T000000Z', '20260131T230000Z', 'monthly'],
      ['20260112T000000Z', '20260111T230000Z', 'weekly'], // Monday after a Sunday: new ISO week
      ['20260113T000000Z', '20260112T230000Z', 'daily'],
      ['20260113T150000Z', '20260113T140000Z', 'hourly'],
      ['20261228T010000Z', '20261227T010000Z', 'weekly'],
    ];
    const body = `${fn('stamp_epoch')}\n${fn('gfs_tag')}\n` + cases.map(([n, p]) => `gfs_tag '${n}' '${p}'`).join('\n');
    const r = await runOk('bash', ['-c', body]);
    expect(r.stdout.trim().split('\n')).toEqual(cases.map((c) => c[2]));
    for (const [n, p, want] of cases) expect(gfsTagFor(stampDate(n), p ? stampDate(p) : null), `${n} after ${p}`).toBe(want);
    // And the same as the aws emitter's gfsTagFor (docs/gfs-retention.md) on random pairs.
    const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const pairs = fc.sample(fc.tuple(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 1, max: 90 * 86400 })), 300)
      .map(([later, gap]) => [stamp(later), stamp(new Date(later.getTime() - gap * 1000))] as const);
    const r2 = await runOk('bash', ['-c', `${fn('stamp_epoch')}\n${fn('gfs_tag')}\n` + pairs.map(([n, p]) => `gfs_tag '${n}' '${p}'`).join('\n')], { timeoutMs: 120_000 });
    expect(r2.stdout.trim().split('\n')).toEqual(pairs.map(([n, p]) => gfsTagFor(stampDate(n), stampDate(p))));
  });

  it('choose_stamp / settle_gfs: a stamp later than every complete backup, by HEAD (curl) or by the listing', async () => {
    const lib = libraryOf(acme, 'scripts/production-db/backup.sh').content;
    const fns = ['choose_stamp', 'settle_previous', 'settle_gfs', 'stamp_epoch', 'gfs_tag'].map((n) => fnOf(lib, n)).join('\n');
    // Stubs: a clock that ticks one second per sleep; HEAD answers from a list of exit codes (0 exists,
    // 1 missing, 2 curl cannot tell); the listing is a background job that prints PREV.
    const sim = (heads: string, prev: string, now = '20260113T150000Z') => run('bash', ['-c', `set -Eeuo pipefail
DRC_WORK=$(mktemp -d); trap 'rm -rf "$DRC_WORK"' EXIT
DRC_PREFIX=p/s/ DRC_MANIFEST_NAME=manifest.json DRC_BUCKETS=(b) DRC_REGIONS=(r) DRC_RETENTION_TAG=drc-retention DRC_GFS=""
T=$(date -u -d '${now.slice(0, 4)}-${now.slice(4, 6)}-${now.slice(6, 8)}T${now.slice(9, 11)}:${now.slice(11, 13)}:${now.slice(13, 15)}Z' +%s)
utc_stamp() { date -u -d "@$T" +%Y%m%dT%H%M%SZ; }
sleep() { T=$((T + $1)); }
HEADS=(${heads}); N=0
s3_curl_exists() { echo "HEAD $2" >&2; local rc=\${HEADS[N]}; N=$((N + 1)); return "$rc"; }
log() { echo "LOG $*" >&2; }
die() { echo "DIE $*"; exit 1; }
${fns}
printf '%s' '${prev}' >"$DRC_WORK/previous" & DRC_PREV_PID=$!
choose_stamp
echo "stamp $DRC_STAMP"
settle_gfs
echo "gfs $DRC_GFS"`]).then((r) => r.stdout.trim());
    // curl: the folder is free, go (the listing is waited for only by settle_gfs).
    expect(await sim('1', '20260113T140000Z')).toBe('stamp 20260113T150000Z\ngfs hourly');
    // curl: the folder of this second holds a manifest (a run in the same second): wait a second.
    expect(await sim('0 1', '20260113T150000Z')).toBe('stamp 20260113T150001Z\ngfs hourly');
    // No curl: the listing decides, and a stamp not later than the newest waits until it is.
    expect(await sim('2', '20260113T150002Z')).toBe('stamp 20260113T150003Z\ngfs hourly');
    expect(await sim('2', '')).toBe('stamp 20260113T150000Z\ngfs yearly');
    // curl said free, but the listing has a later backup (this host's clock is behind): the run fails.
    const behind = await sim('1', '20260113T160000Z');
    expect(behind).toMatch(/^stamp 20260113T150000Z\nDIE the newest complete backup, 20260113T160000Z, is not older than this one, 20260113T150000Z: is this host's clock behind\?$/);
  });

  it('s3_curl_init / s3_curl_url: curl only with env credentials, a known endpoint, curl >= 7.87, addressed as the aws CLI does', async () => {
    const lib = libraryOf(acme, 'scripts/production-db/backup.sh').content;
    const fns = ['s3_curl_init', 's3_curl_url', 'endpoint_for'].map((n) => fnOf(lib, n)).join('\n');
    const bin = join(tmp.path, 'fake-curl');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'curl'), '#!/bin/sh\necho "curl ${FAKE_CURL_VERSION:-7.88.1} (x86_64-pc-linux-gnu) libcurl/7.88.1"\n', { mode: 0o755 });
    const config = join(tmp.path, 'aws-config');
    /** Prints `state sorts` after s3_curl_init, then the URL of each INDEX:KEY (or `-` when curl must not be used). */
    const sim = async (env: Record<string, string | undefined>, keys: string[] = []) => {
      const r = await runOk('bash', ['-c', `set -Eeuo pipefail
DRC_WORK=/nonexistent-work DRC_BUCKETS=(plain-bucket dotted.bucket plain-bucket) DRC_REGIONS=(us-east-1 eu-west-1 cn-north-1)
${fns}
s3_curl_init
echo "$DRC_CURL $DRC_CURL_SORTS_PREFIXES"
for k in "$@"; do if s3_curl_url "\${k%%:*}" "\${k#*:}"; then echo "$S3_URL"; else echo -; fi; done`, '_', ...keys], {
        env: {
          PATH: `${bin}:/usr/bin:/bin`, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: undefined, AWS_CONFIG_FILE: '/dev/null',
          AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_S3: undefined, DRC_ENDPOINT_URL_US_EAST_1: undefined, DRC_S3_CURL: undefined, HOME: tmp.path, ...env,
        },
      });
      return r.stdout.trim().split('\n');
    };
    const keys = ['0:p/s/20260113T150000Z/manifest.json', '1:p/s/x', '2:p/s/x', '0:p/s/a b', '0:p/../x', '0:/p'];
    // AWS's endpoints (standard partition): virtual-hosted, path-style for a dotted bucket; nothing else.
    expect(await sim({}, keys)).toEqual(['on 0', 'https://plain-bucket.s3.us-east-1.amazonaws.com/p/s/20260113T150000Z/manifest.json',
      'https://s3.eu-west-1.amazonaws.com/dotted.bucket/p/s/x', '-', '-', '-', '-']);
    // An endpoint: path-style under it; a region's own endpoint wins.
    expect(await sim({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000/', DRC_ENDPOINT_URL_US_EAST_1: 'https://minio.example:9443' }, keys.slice(0, 3)))
      .toEqual(['on 0', 'https://minio.example:9443/plain-bucket/p/s/20260113T150000Z/manifest.json', 'http://127.0.0.1:9000/dotted.bucket/p/s/x', 'http://127.0.0.1:9000/plain-bucket/p/s/x']);
    expect(await sim({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000/base/path' }, ['0:k'])).toEqual(['on 0', '-']);
    expect((await sim({ FAKE_CURL_VERSION: '8.10.0' }))[0]).toBe('on 1');
    // Off: old curl, no env credentials, opted out, settings the aws CLI would follow elsewhere.
    for (const env of [{ FAKE_CURL_VERSION: '7.86.0' }, { AWS_SECRET_ACCESS_KEY: undefined }, { DRC_S3_CURL: '0' }, { AWS_ENDPOINT_URL_S3: 'http://x' },
      { AWS_USE_FIPS_ENDPOINT: 'true' }, { AWS_SECRET_ACCESS_KEY: 'with\nnewline' }, { AWS_CONFIG_FILE: config }])
      expect((await (writeFileSync(config, '[default]\ns3 =\n  addressing_style = virtual\n'), sim(env)))[0], JSON.stringify(env)).toBe('off 0');
    writeFileSync(config, '[default]\nregion = eu-west-1\n');
    expect((await sim({ AWS_CONFIG_FILE: config }))[0]).toBe('on 0');
  });

  it('json_str makes a JSON string of any text (quotes, backslashes, control characters, UTF-8)', async () => {
    const fn = fnOf(libraryOf(acme, 'scripts/production-db/backup.sh').content, 'json_str');
    const samples = fc.sample(fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\t', '\r', '\x01', '\x1f', '\x7f', 'é', '€', '$', '`', "'", ' ', '/') , maxLength: 20 }), 60);
    samples.push('', 'plain', 'a"b\\c\nd');
    const input = samples.join('\0') + '\0';
    const r = await runOk('bash', ['-c', `${fn}\nwhile IFS= read -r -d '' s; do json_str "$s"; printf '\\n'; done`], { input });
    const lines = r.stdout.split('\n').slice(0, -1);
    expect(lines.map((l) => JSON.parse(l))).toEqual(samples);
  });

  it('systemd timers: cron → OnCalendar that systemd accepts; intervals; the restore-test frequency', async () => {
    expect(cronToOnCalendar('0 2 * * *', 'UTC')).toEqual(['*-*-* 02:00:00 UTC']);
    expect(cronToOnCalendar('*/15 * * * *', 'UTC')).toEqual(['*-*-* *:00,15,30,45:00 UTC']);
    expect(cronToOnCalendar('15 1,13 * * 1-5', 'Europe/Berlin')).toEqual(['Mon,Tue,Wed,Thu,Fri *-*-* 01,13:15:00 Europe/Berlin']);
    expect(cronToOnCalendar('0 3 1 * 0', 'UTC')).toEqual(['*-*-01 03:00:00 UTC', 'Sun *-*-* 03:00:00 UTC']);
    const timers = [...acme, ...rich].filter((a) => a.path.endsWith('.timer'));
    expect(timers.length).toBeGreaterThanOrEqual(8);
    const analyze = requireTool('systemd-analyze');
    for (const t of timers) {
      expect(t.content).toContain('RandomizedDelaySec=0');
      for (const m of t.content.matchAll(/^OnCalendar=(.*)$/gm)) {
        const r = await run(analyze, ['calendar', m[1]!]);
        expect(r.code, `${t.path}: ${m[1]} ${r.stderr}`).toBe(0);
      }
    }
    const uploads = rich.find((a) => a.path === 'scripts/uploads/drc-backup-uploads.timer')!.content;
    expect(uploads).toContain('OnUnitActiveSec=5400s'); // every 90m: no cron can express it
    const ledgerRt = rich.find((a) => a.path === 'scripts/ledger/drc-restore-test-ledger.timer')!.content;
    expect(ledgerRt).toContain(`OnUnitActiveSec=${14 * 86400}s`);
    const prod = acme.find((a) => a.path === 'scripts/production-db/drc-backup-production-db.timer')!.content;
    expect(prod).toMatch(/OnCalendar=\*-\*-\* \*:00:00 UTC\nPersistent=true/);
    const svc = acme.find((a) => a.path === 'scripts/production-db/drc-backup-production-db.service')!.content;
    expect(svc).toContain('Type=oneshot');
    expect(svc).toContain('ExecStart=/usr/local/lib/drc/scripts/production-db/backup.sh');
  });

  it('CronJob and ConfigMap names over 52 characters keep a hash: two long services never share one', () => {
    const long = 'payments-ledger-reconciliation-archive-eu-west';
    const text = ACME.replace(/^  analytics-db:$/m, `  ${long}-one:`).replace(/^  app-config:$/m, `  ${long}-two:`);
    const names = build(text)
      .filter((a) => a.path.startsWith(`scripts/${long}-`) && a.path.endsWith('/cronjob.yaml'))
      .map((a) => parse(a.content.split(/^---$/m)[1]!).metadata.name as string);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(52);
  });

  it('a Kubernetes CronJob per cron-expressible schedule, built as objects, with the script and its library mounted', async () => {
    const cj = acme.find((a) => a.path === 'scripts/analytics-db/cronjob.yaml')!;
    const docs = cj.content.split(/^---$/m).map((d) => parse(d));
    const [configMap, job] = docs;
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.data['backup.sh']).toBe(acme.find((a) => a.path === 'scripts/analytics-db/backup.sh')!.content);
    expect(cj.content.length).toBeLessThan(10_000); // the script's settings, not the library
    expect(job).toMatchObject({
      apiVersion: 'batch/v1', kind: 'CronJob',
      spec: { schedule: '30 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' },
    });
    expect(job.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(rich.some((a) => a.path === 'scripts/uploads/cronjob.yaml')).toBe(false); // every 90m
    expect(parse(rich.find((a) => a.path === 'scripts/ledger/cronjob.yaml')!.content.split(/^---$/m)[1]!).spec.timeZone).toBe('Europe/Berlin');

    // The libraries' ConfigMaps: once per build, content-addressed names, immutable.
    const libMaps = acme.find((a) => a.path === LIB_CONFIGMAP_PATH)!.content.split(/^---$/m).map((d) => parse(d));
    expect(libMaps.map((m) => m.data && Object.keys(m.data))).toEqual([['drc-postgresql.sh'], ['drc-files.sh'], ['drc-s3-bucket.sh']]);
    for (const m of libMaps) {
      const lib = acme.find((a) => a.path === `scripts/_lib/${Object.keys(m.data)[0]}`)!;
      expect(m).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', immutable: true });
      expect(m.data[Object.keys(m.data)[0]!]).toBe(lib.content);
      expect(m.metadata.name).toBe(`drc-lib-${m.metadata.labels['drc/library']}-${createHash('sha256').update(lib.content).digest('hex').slice(0, 12)}`);
    }
    // rich: only the kinds whose services have a CronJob (uploads runs every 90m: no CronJob, no files library map).
    expect(rich.find((a) => a.path === LIB_CONFIGMAP_PATH)!.content.split(/^---$/m).map((d) => parse(d).metadata.labels['drc/library'])).toEqual(['postgresql']);

    // Every CronJob in the pod's layout: lay the mounted ConfigMap keys out as the kubelet would, then the
    // container's command finds the library (../_lib/ from the script) and runs.
    for (const [build, a] of [...acme.map((x) => [acme, x] as const), ...rich.map((x) => [rich, x] as const)].filter(([, x]) => x.path.endsWith('/cronjob.yaml'))) {
      const [cm, cron] = a.content.split(/^---$/m).map((d) => parse(d));
      const maps = [cm, ...build.find((x) => x.path === LIB_CONFIGMAP_PATH)!.content.split(/^---$/m).map((d) => parse(d))];
      const pod = cron.spec.jobTemplate.spec.template.spec;
      const container = pod.containers[0];
      const root = join(tmp.path, 'pod', a.path.replace(/\//g, '_'));
      for (const mount of container.volumeMounts.filter((m: { subPath?: string }) => m.subPath)) {
        const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
        const map = maps.find((m) => m.metadata.name === volume.configMap.name);
        expect(map, `${a.path}: ConfigMap ${volume.configMap.name}`).toBeDefined();
        const file = join(root, mount.mountPath);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, map.data[mount.subPath]);
        chmodSync(file, volume.configMap.defaultMode);
      }
      expect(container.command[0]).toBe('/bin/bash');
      const r = await run('bash', [join(root, container.command[1]), '--print-config'], { env: { PGHOST: undefined, PGPORT: undefined, PGUSER: undefined, PGDATABASE: undefined } });
      expect(r.stderr, a.path).toBe('');
      expect(r.code, a.path).toBe(0);
      expect(r.stdout).toContain(`service=${a.path.split('/')[1]}\n`);
    }
  });

  it('a script finds its library next to its real folder, refuses a missing or different one, and runs through a symlink', async () => {
    const dir = join(tmp.path, 'libcheck');
    writeAll(acme, dir);
    const script = join(dir, 'scripts/production-db/restore.sh');
    const lib = join(dir, 'scripts/_lib/drc-postgresql.sh');
    const env = { PGHOST: undefined, PGPORT: undefined, PGUSER: undefined, PGDATABASE: undefined };
    expect((await run('bash', [script, '--print-config'], { env, cwd: '/' })).code).toBe(0);
    // Through a symlink elsewhere (e.g. /usr/local/bin/restore-db): the library is found from the real path.
    mkdirSync(join(dir, 'bin'));
    symlinkSync(script, join(dir, 'bin', 'restore-db'));
    const viaLink = await run('bash', [join(dir, 'bin', 'restore-db'), '--print-config'], { env });
    expect(viaLink.stderr).toBe('');
    expect(viaLink.stdout).toContain('service=production-db\n');
    // A different library (another build's, or edited): refused before it is sourced.
    const good = readFileSync(lib, 'utf8');
    const canary = join(dir, 'sourced');
    writeFileSync(lib, `touch ${canary}\n${good}`);
    const mismatch = await run('bash', [script, '--print-config'], { env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/ERROR: scripts\/_lib\/drc-postgresql\.sh does not match this script \(.*\): copy the whole scripts\/ folder from one drc build\n$/);
    expect(readdirSync(dir)).not.toContain('sourced');
    // Missing: one clear line.
    rmSync(lib);
    const missing = await run('bash', [script, '--print-config'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/restore\.sh\[production-db\]: ERROR: the shared library scripts\/_lib\/drc-postgresql\.sh is missing .*copy the whole scripts\/ folder from one drc build\n$/);
    rmSync(join(dir, 'scripts/_lib'), { recursive: true });
    expect((await run('bash', [script, '--print-config'], { env })).stderr).toContain('is missing');
    // The library alone is not a program.
    writeFileSync(lib.replace('/_lib/', '/production-db/'), good);
    const direct = await run('bash', [lib.replace('/_lib/', '/production-db/')]);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toContain('is the shared library of drc\'s scripts');
  });

  it('restore.sh --at refuses what is not a time before anything runs, and takes the forms PostgreSQL reads', async () => {
    const dir = join(tmp.path, 'attime');
    writeAll(acme, dir);
    const script = join(dir, 'scripts/production-db/restore.sh');
    const env = { PATH: '/usr/bin:/bin', DRC_PGBACKREST_CONFIG: join(dir, 'missing.conf') };
    for (const bad of ['garbage', '2026-11-24; rm -rf /', '24/11/2026', '2026-11-24T2:00', '']) {
      const r = await run('bash', [script, '--at', bad, '--target-dir', join(dir, 'pitr'), '--yes'], { env });
      expect(r.code, bad).toBe(1);
      expect(r.stderr, bad).toContain('is not a time; expected YYYY-MM-DD');
    }
    for (const good of ['2026-11-24', '2026-11-24T02:00:00Z', '2026-11-24 02:00:00.123456+00', '2026-11-24T02:00+01:00']) {
      const r = await run('bash', [script, '--at', good, '--target-dir', join(dir, 'pitr'), '--yes'], { env });
      expect(r.stderr, good).not.toContain('is not a time');
    }
  });

  it('a script stopped by SIGTERM exits 143 and logs that code (not the last command\'s 0)', async () => {
    const dir = join(tmp.path, 'sigterm');
    writeAll(acme, dir);
    writeFileSync(join(dir, 'identity.txt'), '');
    // An endpoint that accepts connections and never answers: verify.sh waits in its first S3 call.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const child = spawn('bash', [join(dir, 'scripts/app-config/verify.sh')], {
        detached: true,
        env: { ...process.env, DRC_AGE_IDENTITY_FILE: join(dir, 'identity.txt'), AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 1500));
      process.kill(-child.pid!, 'SIGTERM');
      expect(await exited).toBe(143);
      expect(stderr).toContain('verify FAILED (exit 143');
    } finally {
      silent.close();
    }
  });

  it('output grows by a few KB per service: the library is not repeated', () => {
    const sizes = [50, 200].map((n) => {
      const artifacts = build(generatePolicy(n));
      const scripted = new Set(artifacts.filter(isScript).map((a) => a.path.split('/')[1]));
      const bytes = artifacts.reduce((sum, a) => sum + a.content.length, 0);
      return { scripted: scripted.size, bytes, libs: artifacts.filter(isLib).length };
    });
    expect(sizes[1]!.scripted).toBeGreaterThan(sizes[0]!.scripted);
    expect(sizes[1]!.libs).toBe(sizes[0]!.libs);
    const perService = (sizes[1]!.bytes - sizes[0]!.bytes) / (sizes[1]!.scripted - sizes[0]!.scripted);
    expect(perService).toBeLessThan(25_000); // was ~146 KB with the library in every script and CronJob
  });
});

// ---- property: metacharacters in policy values never execute ------------------------------------

const CANARY_DIR = join(tmp.path, 'canary');
mkdirSync(CANARY_DIR, { recursive: true });

/** Strings made to break out of quoting: command substitution, backticks, ;, quotes, newlines, globbing. */
function hostile(): fc.Arbitrary<string> {
  const canary = join(CANARY_DIR, 'pwned');
  const pieces = [
    `$(touch ${canary})`, `\`touch ${canary}\``, `; touch ${canary}`, `'; touch ${canary}; '`, `"; touch ${canary}; "`,
    `\ntouch ${canary}\n`, `$'\\n'`, '${IFS}', '*', '?', '[a]', '\\', '"', "'", '|', '&', '>', '<', '#', '%s', '%q', '{{x}}', '$PATH', ' ', '\t', 'é',
  ];
  return fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
}

function hostilePolicy(v: Record<string, string>): string {
  const q = (s: string) => JSON.stringify(s); // YAML accepts JSON strings
  return `version: 1
name: prop
owner: ${q(v.owner!)}
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption:
  at_rest: aws:kms
  kms_key: ${q(v.kms!)}
  replica_kms_keys: { us-west-2: ${q(v.kms2!)} }
  client_side: { method: age, recipients: [${q(v.recipient!)}] }
storage:
  s:
    type: s3
    bucket: prop-backups
    region: us-east-1
    replicas: [{ bucket: prop-backups-usw2, region: us-west-2 }]
tiers:
  t: { title: ${q(v.title!)}, rto: 4h, rpo: 24h, retention: 30d, restore_test: monthly, dr_drill: quarterly, min_regions: 2 }
services:
  db:
    title: ${q(v.title!)}
    owner: ${q(v.owner!)}
    labels: { team: ${q(v.label!)} }
    tier: t
    kind: postgresql
    postgresql: { host: ${q(v.host!)}, port: 5432, database: ${q(v.database!)}, user: ${q(v.user!)} }
    schedule: daily
    storage: s
  fs:
    title: ${q(v.title!)}
    tier: t
    kind: files
    paths: [${q(v.path!)}]
    exclude: [${q(v.exclude!)}]
    schedule: daily
    storage: s
  bk:
    tier: t
    kind: s3-bucket
    bucket: ${q(v.bucket!)}
    region: us-east-1
    schedule: daily
    storage: s
monitoring: { metrics: textfile, textfile_dir: ${q(v.textfile!)} }
`;
}

describe('property: policy values with shell metacharacters are data, never code', () => {
  it('lint rejects the value, or every script passes bash -n and --print-config runs without executing it', async () => {
    const benign = lintText(hostilePolicy(Object.fromEntries(['owner', 'kms', 'kms2', 'recipient', 'title', 'label', 'host', 'database', 'user', 'path', 'exclude', 'bucket', 'textfile']
      .map((f) => [f, f === 'path' || f === 'textfile' ? '/srv/x' : f === 'recipient' ? 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' : `x${f}`]))), 'drc.yaml');
    const benignLibs = new Map([...emit({ policy: benign.policy!, diagnostics: [], rules: [], drcVersion: '1.0.0' })].filter(isLib).map((a) => [a.path, a.content]));
    expect(benignLibs.size).toBe(3);
    const fields = ['owner', 'kms', 'kms2', 'recipient', 'title', 'label', 'host', 'database', 'user', 'path', 'exclude', 'bucket', 'textfile'];
    let built = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.record(Object.fromEntries(fields.map((f) => [f, hostile()]))), async (values) => {
        const lint = lintText(hostilePolicy(values), 'drc.yaml');
        const lintErrors = lint.diagnostics.some((d) => d.severity === 'error');
        if (lintErrors) rejected++;
        if (!lint.policy) return;
        // Even where lint rejects a value, the emitter's escaping alone must keep it data: emit anyway.
        let artifacts: Artifact[];
        try {
          artifacts = [...emit({ policy: lint.policy, diagnostics: [], rules: [], drcVersion: '1.0.0' })];
        } catch (e) {
          if (lintErrors) return; // a Model lint rejected may be unusable; drc build never emits it
          throw e;
        }
        built++;
        // No policy value reaches a library: each is byte for byte the library of a benign policy.
        for (const lib of artifacts.filter(isLib)) expect(lib.content, lib.path).toBe(benignLibs.get(lib.path));
        expect(artifacts.filter(isLib)).toHaveLength(3);
        // The CronJob's copy of backup.sh reads back exactly (block scalar or quoted, whichever was safe).
        for (const cj of artifacts.filter((a) => a.path.endsWith('/cronjob.yaml')))
          expect(parse(cj.content.split(/^---$/m)[0]!).data['backup.sh']).toBe(artifacts.find((a) => a.path === cj.path.replace('cronjob.yaml', 'backup.sh'))!.content);
        const dir = join(tmp.path, `prop-${built}`);
        const scripts = writeAll(artifacts, dir);
        expect(scripts.length).toBeGreaterThanOrEqual(8);
        for (const lib of artifacts.filter(isLib)) await runOk('bash', ['-n', join(dir, lib.path)]);
        for (const s of scripts) {
          await runOk('bash', ['-n', s]);
          const r = await run('bash', [s, '--print-config'], {
            env: { PGHOST: undefined, PGPORT: undefined, PGUSER: undefined, PGDATABASE: undefined, DRC_TEXTFILE_DIR: undefined },
          });
          expect(r.code, `${s}: ${r.stderr}`).toBe(0);
          // %q output evaluates back to exactly the policy value.
          if (s.endsWith('/db/backup.sh')) {
            const back = await runOk('bash', ['-c', `eval "$(grep -E '^pghost=' <<<"$1")"; printf %s "$pghost"`, '_', r.stdout]);
            expect(back.stdout).toBe(values.host);
          }
        }
        expect(readdirSync(CANARY_DIR)).toEqual([]);
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 30, seed: 20261124 },
    );
    expect(readdirSync(CANARY_DIR)).toEqual([]);
    console.log(`property: ${built} policies emitted and run, ${rejected} of them also rejected by lint`);
    expect(built).toBeGreaterThan(20);
  }, 240_000);
});
