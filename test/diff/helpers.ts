/** Shared by the tests of diff, config, baseline and CI: a real temp dir and an in-memory Io over it. */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const BASE = `version: 1
name: acme
owner: sre@acme.example
regions:
  primary: us-east-1
  secondary: [us-west-2]
encryption:
  at_rest: aws:kms
  kms_key: alias/backup
  replica_kms_keys: { us-west-2: alias/backup-usw2 }
  client_side: { method: age, recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }
storage:
  backups:
    type: s3
    bucket: acme-backups-use1
    region: us-east-1
    replicas:
      - { bucket: acme-backups-usw2, region: us-west-2 }
    object_lock: { mode: compliance, days: 30 }
tiers:
  tier1:
    rto: 1h
    rpo: 15m
    retention: 30d
    restore_test: monthly
    dr_drill: quarterly
    min_regions: 2
    immutable: true
services:
  production-db:
    tier: tier1
    owner: team-data
    kind: postgresql
    postgresql: { host: db.internal, port: 5432, database: app, user: backup, pitr: true }
    schedule: hourly
    storage: backups
  api-files:
    tier: tier1
    owner: team-api
    kind: files
    paths: [/srv/api]
    schedule: every 5m
    rto: 1h
    retention: 90d
`;

/** Replaces exactly one occurrence (fails loudly when the fixture drifts). */
export function edit(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error(`edit: "${from}" must occur exactly once`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

/** 1-based line of the first line containing `needle` after the line containing `after` (if given). */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const i = lines.findIndex((l, n) => n >= start && l.includes(needle));
  if (i < 0) throw new Error(`lineOf: ${needle}`);
  return i + 1;
}

export function tempDir(prefix = 'drc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function memoryIo(cwd: string, env: Record<string, string | undefined> = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, t);
    },
    cwd,
    env,
    isTTY: false,
    flush: async () => {},
  };
}

export async function drc(cwd: string, argv: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const io = memoryIo(cwd, env);
  const code = await main(argv, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}
