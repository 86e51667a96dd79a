// Shared pieces of the end-to-end tests of the generated scripts (docs/scripts.md): build a policy with
// lintText + the scripts emitter, write the scripts to a temp dir, run them with a controlled environment.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lintText } from '../../src/checker/index.js';
import { emit } from '../../src/emitters/scripts/index.js';
import { awsEnv, makeTempDir, requireTool, run, runOk, type RunResult, type TempDir } from '../harness/index.js';

export const REQUIRED_TOOLS = ['bash', 'aws', 'age', 'age-keygen', 'flock', 'sha256sum', 'tar', 'gzip', 'psql', 'pg_dump', 'pg_restore'];

/** PATH for the scripts: the aws CLI (pyenv shims) and the PostgreSQL 15 client tools must be on it. */
export function scriptPath(): string {
  const dirs = new Set<string>();
  for (const t of REQUIRED_TOOLS) dirs.add(dirname(requireTool(t)));
  return [...dirs, process.env.PATH ?? '/usr/bin:/bin'].join(':');
}

/**
 * Lints the policy (no errors allowed) and writes the whole scripts family into dir/scripts/..., as
 * `drc build` lays it out: scripts/<service>/*.sh and the shared library scripts/_lib/drc-<kind>.sh that
 * every script checks (sha256) and sources from ../_lib/.
 */
export function writeScripts(policyText: string, dir: string): void {
  const lint = lintText(policyText, 'drc.yaml');
  const errors = lint.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !lint.policy) throw new Error(`test policy does not lint: ${errors.map((d) => d.message).join('; ')}`);
  const artifacts = [...emit({ policy: lint.policy, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: '0.0.0-test' })];
  if (!artifacts.some((a) => a.path.startsWith('scripts/_lib/drc-'))) throw new Error('the build has no scripts/_lib/ library');
  for (const a of artifacts) {
    const p = join(dir, a.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, a.content);
    if (a.executable) chmodSync(p, 0o755);
  }
}

export interface Env {
  [k: string]: string | undefined;
}

/** The scripts' environment: moto credentials; both regions' endpoints through DRC_ENDPOINT_URL_<REGION>
 * while AWS_ENDPOINT_URL points at a closed port, so a script that ignored the per-region override fails. */
export function scriptEnv(motoEndpoint: string, extra: Env = {}): Env {
  return {
    ...awsEnv('us-east-1'),
    PATH: scriptPath(),
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    DRC_ENDPOINT_URL_US_EAST_1: motoEndpoint,
    DRC_ENDPOINT_URL_US_WEST_2: motoEndpoint,
    AWS_MAX_ATTEMPTS: '2',
    AWS_RETRY_MODE: 'standard',
    DRC_RETRIES: '2',
    PGHOST: undefined,
    PGPORT: undefined,
    PGUSER: undefined,
    PGDATABASE: undefined,
    PGPASSWORD: undefined,
    ...extra,
  };
}

export function runScript(dir: string, service: string, script: string, args: string[], env: Env, timeoutMs = 120_000): Promise<RunResult> {
  return run('bash', [join(dir, 'scripts', service, script), ...args], { env, timeoutMs });
}

export async function okScript(dir: string, service: string, script: string, args: string[], env: Env): Promise<RunResult> {
  const r = await runScript(dir, service, script, args, env);
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr.slice(-6000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

/** An age identity in a temp dir: { dir, identity file, recipient }. */
export async function ageIdentity(tmp: TempDir, name = 'id'): Promise<{ file: string; recipient: string }> {
  const file = join(tmp.path, `${name}.key`);
  await runOk('age-keygen', ['-o', file]);
  const recipient = (await runOk('age-keygen', ['-y', file])).stdout.trim();
  return { file, recipient };
}

export async function aws(moto: string, args: string[], region = 'us-east-1'): Promise<RunResult> {
  return runOk('aws', ['--endpoint-url', moto, '--region', region, ...args], { env: awsEnv(region) });
}

export async function createBuckets(moto: string, buckets: [string, string][]): Promise<void> {
  for (const [bucket, region] of buckets) {
    const cfg = region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${region}`];
    await aws(moto, ['s3api', 'create-bucket', '--bucket', bucket, ...cfg], region);
  }
}

export async function listKeys(moto: string, bucket: string, prefix = ''): Promise<string[]> {
  const r = await aws(moto, ['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', prefix, '--query', 'Contents[].Key', '--output', 'json']);
  return (JSON.parse(r.stdout || 'null') as string[] | null) ?? [];
}

export async function getObject(moto: string, bucket: string, key: string, file: string): Promise<void> {
  await aws(moto, ['s3', 'cp', '--only-show-errors', `s3://${bucket}/${key}`, file]);
}

export async function putObject(moto: string, bucket: string, key: string, file: string): Promise<void> {
  await aws(moto, ['s3', 'cp', '--only-show-errors', file, `s3://${bucket}/${key}`]);
}

/** Parses a Prometheus text file into { 'name{labels}': value }. */
export function readMetrics(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

export function series(name: string, service: string, tier: string, region: string): string {
  return `${name}{service="${service}",tier="${tier}",region="${region}"}`;
}

export { makeTempDir };
