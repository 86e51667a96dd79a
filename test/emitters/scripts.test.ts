// The scripts family: what is emitted, determinism, shellcheck, no secrets, templates that escape every
// policy value, the bash helpers (gfs_tag, json_str), systemd calendars, the CronJob, and a property test
// that shell metacharacters in any free-text policy value never run as code.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { cronToOnCalendar, emit } from '../../src/emitters/scripts/index.js';
import type { Artifact } from '../../src/emitters/types.js';
import { gfsTagFor } from '../../src/emitters/aws/gfs.js';
import { makeTempDir, requireTool, run, runOk } from '../harness/index.js';

const TEMPLATES = join(import.meta.dirname, '../../src/emitters/scripts/templates');
const ACME = readFileSync(join(import.meta.dirname, '../../examples/acme/drc.yaml'), 'utf8');
const tmp = makeTempDir('scripts-unit');
afterAll(() => tmp.cleanup());

const stampDate = (s: string) => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);

function build(text: string): Artifact[] {
  const lint = lintText(text, 'drc.yaml');
  const errors = lint.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !lint.policy) throw new Error(errors.map((d) => `${d.message}`).join('\n'));
  return emit({ policy: lint.policy, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: '1.2.3' });
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

function writeAll(artifacts: Artifact[], dir: string): string[] {
  const scripts: string[] = [];
  for (const a of artifacts) {
    const p = join(dir, a.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, a.content, { mode: a.executable ? 0o755 : 0o644 });
    if (a.path.endsWith('.sh')) scripts.push(p);
  }
  return scripts;
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

  it('is deterministic and free of absolute build paths and timestamps', () => {
    expect(build(ACME)).toEqual(acme);
    for (const a of [...acme, ...rich]) {
      expect(a.content).not.toContain(process.cwd());
      expect(a.content).not.toMatch(/\r/);
    }
  });

  it('every generated script passes bash -n and shellcheck -S warning', async () => {
    const shellcheck = requireTool('shellcheck');
    const dir = join(tmp.path, 'sc');
    const scripts = [...writeAll(acme, join(dir, 'acme')), ...writeAll(rich, join(dir, 'rich'))];
    expect(scripts.length).toBe(24);
    for (const s of scripts) await runOk('bash', ['-n', s]);
    // One shellcheck per script, in parallel: 24 large scripts take ~30 s in one process.
    const results = await Promise.all(scripts.map((s) => run(shellcheck, ['-S', 'warning', '-s', 'bash', s], { timeoutMs: 120_000 })));
    for (const r of results) {
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('every shared function a script calls is defined in that script (kind-specific parts included)', () => {
    const scripts = [...acme, ...rich].filter((a) => a.path.endsWith('.sh'));
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
    for (const a of [...acme, ...rich].filter((x) => x.path.endsWith('.sh'))) {
      expect(a.content).not.toMatch(/-pass pass:|-k |PGPASSWORD=|AWS_SECRET_ACCESS_KEY=|AWS_ACCESS_KEY_ID=|AGE-SECRET-KEY/);
      expect(a.content).not.toMatch(/--password\b/);
    }
    const backup = rich.find((a) => a.path === 'scripts/ledger/backup.sh')!.content;
    expect(backup).toContain('-pass "env:$DRC_PASSPHRASE_ENV"');
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
    const script = acme.find((a) => a.path === 'scripts/production-db/backup.sh')!.content;
    const fn = (name: string) => script.match(new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}$`, 'm'))![0];
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

  it('json_str makes a JSON string of any text (quotes, backslashes, control characters, UTF-8)', async () => {
    const script = acme.find((a) => a.path === 'scripts/production-db/backup.sh')!.content;
    const fn = script.match(/^json_str\(\) \{[\s\S]*?^\}$/m)![0];
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

  it('a Kubernetes CronJob per cron-expressible schedule, built as objects', () => {
    const cj = acme.find((a) => a.path === 'scripts/analytics-db/cronjob.yaml')!;
    const docs = cj.content.split(/^---$/m).map((d) => parse(d));
    const [configMap, job] = docs;
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.data['backup.sh']).toBe(acme.find((a) => a.path === 'scripts/analytics-db/backup.sh')!.content);
    expect(job).toMatchObject({
      apiVersion: 'batch/v1', kind: 'CronJob',
      spec: { schedule: '30 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' },
    });
    expect(job.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(rich.some((a) => a.path === 'scripts/uploads/cronjob.yaml')).toBe(false); // every 90m
    expect(parse(rich.find((a) => a.path === 'scripts/ledger/cronjob.yaml')!.content.split(/^---$/m)[1]!).spec.timeZone).toBe('Europe/Berlin');
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
          artifacts = emit({ policy: lint.policy, diagnostics: [], rules: [], drcVersion: '1.0.0' });
        } catch (e) {
          if (lintErrors) return; // a Model lint rejected may be unusable; drc build never emits it
          throw e;
        }
        built++;
        const dir = join(tmp.path, `prop-${built}`);
        const scripts = writeAll(artifacts, dir);
        expect(scripts.length).toBeGreaterThanOrEqual(8);
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
