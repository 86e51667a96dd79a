import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { archiveTimeoutSeconds, emit } from '../../src/emitters/pgbackrest/index.js';
import { toIni } from '../../src/emitters/pgbackrest/ini.js';
import type { Artifact } from '../../src/emitters/types.js';
import type { Policy } from '../../src/model/types.js';
import { chownToPostgres, makeTempDir, PG_BIN_DIR, requireTool, runAsPostgres, usePostgres } from '../harness/index.js';

function policyOf(text: string): Policy {
  const lint = lintText(text, 'drc.yaml');
  expect(lint.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.rule}: ${d.message}`)).toEqual([]);
  return lint.policy!;
}

function build(policy: Policy): Artifact[] {
  return [...emit({ policy, diagnostics: [], rules: [], drcVersion: '0.0.0-test' })];
}

function file(artifacts: Artifact[], path: string): string {
  const a = artifacts.find((x) => x.path === path);
  expect(a, path).toBeDefined();
  return a!.content;
}

/** Parses the ini text back (sections → key → value), rejecting anything the serialiser should never write. */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: string | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([a-z0-9:-]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      out[section] = {};
      continue;
    }
    const kv = /^([a-z0-9-]+)=(\S(?:.*\S)?)$/.exec(line);
    expect(kv, line).not.toBeNull();
    expect(section).not.toBeNull();
    out[section!]![kv![1]!] = kv![2]!;
  }
  return out;
}

const RICH = `
version: 1
name: rich
regions: { primary: eu-west-1, secondary: [eu-central-1, eu-north-1] }
encryption:
  at_rest: aws:kms
  kms_key: alias/rich
  replica_kms_keys: { eu-central-1: alias/rich-euc1, eu-north-1: alias/rich-eun1 }
  client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] }
storage:
  pg:
    type: s3
    bucket: rich-pg-euw1
    region: eu-west-1
    replicas: [{ bucket: rich-pg-euc1, region: eu-central-1 }, { bucket: rich-pg-eun1, region: eu-north-1 }]
defaults: { owner: team, storage: pg, restore_test: monthly }
services:
  ledger:
    kind: postgresql
    postgresql: { host: ledger.internal, port: 6432, database: ledger, user: backup, pitr: true }
    rto: 2h
    rpo: 1m
    timezone: America/New_York
    schedule: every 90m
    retention: { keep: { daily: 7, monthly: 3 } }
  reports:
    kind: postgresql
    postgresql: { host: reports.internal, port: 5432, database: reports, user: backup }
    rto: 1d
    rpo: 1d
    schedule: daily
    retention: 7d
`;

/** Runs pgBackRest 2.45 on a generated config for each command whose options it must parse. */
async function pgbackrestParses(conf: string, stanza: string, repos: number, env: Record<string, string>) {
  requireTool('pgbackrest');
  const tmp = makeTempDir('pgbr-check', { mode: 0o755 });
  try {
    const work = join(tmp.path, 'w');
    const pgdata = join(work, 'pg');
    mkdirSync(join(pgdata, 'pg_wal'), { recursive: true });
    const confFile = join(tmp.path, 'pgbackrest.conf');
    writeFileSync(confFile, conf);
    chmodSync(confFile, 0o644);
    for (const p of [work, pgdata, join(pgdata, 'pg_wal')]) chownToPostgres(p);
    // Never reach a real S3 endpoint: every repository talks to a closed port on loopback.
    const offline = Array.from({ length: repos }, (_, i) => [`--repo${i + 1}-storage-host=127.0.0.1`, `--repo${i + 1}-storage-port=1`]).flat();
    const common = [`--config=${confFile}`, `--stanza=${stanza}`, '--io-timeout=1', '--log-level-file=off', `--lock-path=${join(work, 'lock')}`, ...offline];
    const runs = {
      backup: [...common, `--pg1-path=${pgdata}`, 'backup'],
      expire: [...common, 'expire'],
      'archive-push': [...common, `--pg1-path=${pgdata}`, `--spool-path=${join(work, 'spool')}`, 'archive-push', join(pgdata, 'pg_wal', '000000010000000000000001')],
    };
    const results: Record<string, { code: number; stderr: string }> = {};
    for (const [name, args] of Object.entries(runs)) {
      const r = await runAsPostgres('pgbackrest', args, { env, timeoutMs: 20_000 });
      results[name] = { code: r.code, stderr: r.stdout + r.stderr };
    }
    return results;
  } finally {
    await tmp.cleanup();
  }
}

/** pgBackRest's option errors: 031 invalid option/combination, 032 invalid value, 037 missing required. */
const CONFIG_ERRORS = [31, 32, 37];

function expectParsed(results: Record<string, { code: number; stderr: string }>) {
  for (const [cmd, r] of Object.entries(results)) {
    expect(r.stderr, cmd).not.toMatch(/configuration file contains invalid option/);
    expect(CONFIG_ERRORS, `${cmd}: ${r.stderr}`).not.toContain(r.code);
    expect(r.stderr, cmd).not.toMatch(/ERROR: \[03[1-7]\]/);
    expect(r.code, cmd).not.toBe(0); // it cannot succeed offline: proves it ran past option parsing
  }
}

describe('pgbackrest emitter', () => {
  it('archive_timeout is always below the RPO', () => {
    expect(archiveTimeoutSeconds(900)).toBe(300);
    expect(archiveTimeoutSeconds(3600)).toBe(300);
    expect(archiveTimeoutSeconds(300)).toBe(150);
    expect(archiveTimeoutSeconds(120)).toBe(60);
    expect(archiveTimeoutSeconds(60)).toBe(30);
    expect(archiveTimeoutSeconds(90)).toBe(45);
    expect(archiveTimeoutSeconds(1)).toBe(1);
    for (let rpo = 2; rpo < 100_000; rpo += 7) {
      const t = archiveTimeoutSeconds(rpo);
      expect(t).toBeLessThan(rpo);
      expect(t).toBeGreaterThanOrEqual(1);
      expect(t).toBeLessThanOrEqual(300);
    }
  });

  it('the ini serialiser refuses values that would break the file', () => {
    expect(() => toIni([{ name: 'global', entries: [['repo1-path', '/a\nrepo1-type=posix']] }])).toThrow(/line break/);
    expect(() => toIni([{ name: 'global', entries: [['Bad Key', 'x']] }])).toThrow(/invalid ini key/);
    expect(() => toIni([{ name: 'g]x', entries: [] }])).toThrow(/section/);
    expect(toIni([{ name: 'global', entries: [['a', true], ['b', 2]] }])).toBe('[global]\na=y\nb=2\n');
  });

  it('a rich policy: one repository per region, cipher via environment, cron per repository', async () => {
    const artifacts = build(policyOf(RICH));
    expect(artifacts.map((a) => a.path)).toEqual(['pgbackrest/ledger.conf', 'pgbackrest/ledger.postgresql.conf', 'pgbackrest/ledger.cron']);
    const conf = file(artifacts, 'pgbackrest/ledger.conf');
    const ini = parseIni(conf);
    expect(Object.keys(ini)).toEqual(['global', 'ledger']);
    const g = ini.global!;
    expect(g).toMatchObject({
      'repo1-type': 's3', 'repo1-s3-bucket': 'rich-pg-euw1', 'repo1-s3-region': 'eu-west-1', 'repo1-s3-endpoint': 's3.eu-west-1.amazonaws.com',
      'repo1-path': '/rich/ledger/pgbackrest/eu-west-1', 'repo1-s3-key-type': 'auto', 'repo1-cipher-type': 'aes-256-cbc',
      'repo1-retention-full-type': 'time', 'repo1-retention-full': '90', 'repo1-s3-kms-key-id': 'alias/rich',
      'repo2-s3-bucket': 'rich-pg-euc1', 'repo2-s3-region': 'eu-central-1', 'repo2-s3-kms-key-id': 'alias/rich-euc1',
      'repo3-s3-bucket': 'rich-pg-eun1', 'repo3-path': '/rich/ledger/pgbackrest/eu-north-1',
      'archive-async': 'y', 'start-fast': 'y', 'compress-type': 'zst', 'process-max': '2',
    });
    expect(Object.keys(g).some((k) => k.includes('cipher-pass'))).toBe(false);
    expect(conf).toContain('PGBACKREST_REPO1_CIPHER_PASS');
    expect(ini.ledger).toEqual({ 'pg1-path': '/var/lib/postgresql/15/main', 'pg1-port': '6432' });

    const pgconf = file(artifacts, 'pgbackrest/ledger.postgresql.conf');
    expect(pgconf).toContain("archive_command = 'pgbackrest --config=/etc/pgbackrest/ledger.conf --stanza=ledger archive-push %p'");
    expect(pgconf).toMatch(/^archive_timeout = 30$/m); // RPO 1m → 30 s
    expect(pgconf).toMatch(/^archive_mode = on$/m);
    expect(pgconf).toMatch(/^wal_level = replica$/m);

    const cron = file(artifacts, 'pgbackrest/ledger.cron');
    const jobs = cron.split('\n').filter((l) => /^[0-9*]/.test(l));
    expect(jobs).toHaveLength(9); // full, diff, incr × 3 repositories
    for (const repo of [1, 2, 3]) {
      for (const type of ['full', 'diff', 'incr']) expect(jobs.some((j) => j.includes(`--repo=${repo} --type=${type} backup`))).toBe(true);
    }
    for (const j of jobs) {
      const fields = j.split(' ');
      expect(fields[5]).toBe('postgres');
      expect(j).not.toContain('%');
    }
    expect(jobs.filter((j) => j.includes('--type=incr'))[0]).toMatch(/^0 \* \* \* \* /); // every 90m → hourly
    expect(cron).toContain('CRON_TZ=America/New_York');

    expectParsed(await pgbackrestParses(conf, 'ledger', 3, { PGBACKREST_REPO1_CIPHER_PASS: 'a', PGBACKREST_REPO2_CIPHER_PASS: 'b', PGBACKREST_REPO3_CIPHER_PASS: 'c' }));
  });

  it('pgBackRest needs the cipher passphrases from the environment (what the docs say)', async () => {
    const conf = file(build(policyOf(RICH)), 'pgbackrest/ledger.conf');
    const r = await pgbackrestParses(conf, 'ledger', 3, {});
    expect(r['archive-push']!.code).toBe(37);
    expect(r['archive-push']!.stderr).toMatch(/requires option: repo1-cipher-pass/);
  });

  it('the offline check is real: pgBackRest rejects a bad value and a 2.45-beta option', async () => {
    const conf = file(build(policyOf(RICH)), 'pgbackrest/ledger.conf');
    const env = { PGBACKREST_REPO1_CIPHER_PASS: 'a', PGBACKREST_REPO2_CIPHER_PASS: 'b', PGBACKREST_REPO3_CIPHER_PASS: 'c' };
    const bad = await pgbackrestParses(conf.replace('compress-type=zst', 'compress-type=zzz'), 'ledger', 3, env);
    expect(bad.backup!.code).toBe(32);
    const beta = await pgbackrestParses(conf.replace('process-max=2', 'process-max=2\nrepo1-block=y'), 'ledger', 3, env);
    expect(beta.backup!.code).toBe(31);
    const unknown = await pgbackrestParses(conf.replace('process-max=2', 'process-max=2\nrepo1-bogus=y'), 'ledger', 3, env);
    expect(unknown.backup!.stderr).toMatch(/invalid option 'repo1-bogus'/);
  });

  it('the acme example: pgBackRest 2.45 parses every option', async () => {
    const path = 'examples/acme/drc.yaml';
    expect(existsSync(path)).toBe(true);
    const artifacts = build(policyOf(readFileSync(path, 'utf8')));
    expect(artifacts.map((a) => a.path).sort()).toEqual([
      'pgbackrest/production-db.conf', 'pgbackrest/production-db.cron', 'pgbackrest/production-db.postgresql.conf',
    ]);
    const conf = file(artifacts, 'pgbackrest/production-db.conf');
    const ini = parseIni(conf);
    expect(ini.global!['repo1-retention-full']).toBe('390'); // keep monthly 13 → 390 days
    expect(ini.global!['repo2-s3-region']).toBe('us-west-2');
    expect(file(artifacts, 'pgbackrest/production-db.postgresql.conf')).toMatch(/^archive_timeout = 300$/m); // RPO 15m
    expectParsed(await pgbackrestParses(conf, 'production-db', 2, { PGBACKREST_REPO1_CIPHER_PASS: 'a', PGBACKREST_REPO2_CIPHER_PASS: 'b' }));
  });

  it('is deterministic', () => {
    expect(build(policyOf(RICH))).toEqual(build(policyOf(RICH)));
  });

  describe('the postgresql.conf snippet is read by PostgreSQL 15', () => {
    const pg = usePostgres();
    it('postgres -C shows the generated settings', async () => {
      const snippet = file(build(policyOf(RICH)), 'pgbackrest/ledger.postgresql.conf');
      const path = join(pg().baseDir, 'drc-archiving.conf');
      writeFileSync(path, snippet);
      chmodSync(path, 0o644);
      appendFileSync(join(pg().dataDir, 'postgresql.conf'), `\ninclude '${path}'\n`);
      const show = async (name: string) => {
        const r = await pg().runAsOwner(join(PG_BIN_DIR, 'postgres'), ['-D', pg().dataDir, '-C', name]);
        expect(r.code, r.stderr).toBe(0);
        return r.stdout.trim();
      };
      expect(await show('archive_timeout')).toBe('30');
      expect(await show('archive_mode')).toBe('on');
      expect(await show('wal_level')).toBe('replica');
      expect(await show('archive_command')).toBe('pgbackrest --config=/etc/pgbackrest/ledger.conf --stanza=ledger archive-push %p');
    });
  });
});
