/** drc build: deterministic bytes, atomic output, --check, and nothing written when lint fails. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../harness/tmp.js';
import { WRITER_THREAD_MIN_BYTES } from '../../src/build/writer-thread.js';

const repo = resolve(import.meta.dirname, '..', '..');
const drc = join(repo, 'bin', 'drc.js');
const acme = join(repo, 'examples', 'acme', 'drc.yaml');
const temp = makeTempDir('drc-build-test');
afterAll(() => temp.cleanup());

function run(args: string[], cwd = repo, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [drc, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
}

function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe('drc build', () => {
  it('two builds from different working directories into different folders are byte-identical', () => {
    const a = join(temp.path, 'a');
    const b = join(temp.path, 'nested', 'b');
    mkdirSync(join(temp.path, 'nested'), { recursive: true });
    expect(run(['build', acme, '--out', a]).status).toBe(0);
    expect(run(['build', relative(join(temp.path, 'nested'), acme), '--out', 'b'], join(temp.path, 'nested')).status).toBe(0);
    const treeA = tree(a);
    const treeB = tree(b);
    expect([...treeA.keys()].sort()).toEqual([...treeB.keys()].sort());
    for (const [path, content] of treeA) expect(treeB.get(path), path).toBe(content);
    expect(treeA.size).toBeGreaterThan(40);
  });

  it('manifest.json lists every file with its true sha256, and the policy hash', () => {
    const out = join(temp.path, 'manifest');
    expect(run(['build', acme, '--out', out]).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const files = tree(out);
    files.delete('manifest.json');
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual([...files.keys()].sort());
    for (const entry of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(out, entry.path))).digest('hex'), entry.path).toBe(entry.sha256);
    }
    expect(manifest.policy_sha256).toBe(createHash('sha256').update(readFileSync(acme)).digest('hex'));
    expect(statSync(join(out, 'scripts', 'production-db', 'backup.sh')).mode & 0o111).not.toBe(0);
  });

  it('--check passes on a fresh build and fails after an edit, naming the file', () => {
    const out = join(temp.path, 'check');
    expect(run(['build', acme, '--out', out]).status).toBe(0);
    const clean = run(['build', acme, '--out', out, '--check']);
    expect(clean.status).toBe(0);
    const target = join(out, 'docs', 'rto-rpo-matrix.md');
    writeFileSync(target, readFileSync(target, 'utf8') + '\nedited\n');
    writeFileSync(join(out, 'stray.txt'), 'x');
    const drift = run(['build', acme, '--out', out, '--check']);
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain('changed docs/rto-rpo-matrix.md');
    expect(drift.stdout).toContain('extra   stray.txt');
  });

  it('a policy with lint errors writes nothing and leaves an existing folder as it was', () => {
    const bad = join(temp.path, 'bad.yaml');
    writeFileSync(bad, readFileSync(acme, 'utf8').replace('rpo: 15m', 'rpo: 15 minutes'));
    const fresh = join(temp.path, 'never');
    const result = run(['build', bad, '--out', fresh]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('nothing was written');
    expect(existsSync(fresh)).toBe(false);

    const existing = join(temp.path, 'existing');
    mkdirSync(existing);
    writeFileSync(join(existing, 'keep.txt'), 'mine');
    expect(run(['build', bad, '--out', existing]).status).toBe(1);
    expect([...tree(existing).keys()]).toEqual(['keep.txt']);
  });

  it('an unreadable policy is exit 2 with a one-line reason and no stack trace', () => {
    const result = run(['build', join(temp.path, 'missing.yaml'), '--out', join(temp.path, 'x')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot read .*missing\.yaml: no such file/);
  });
});

describe('drc build on several threads (large policies; DRC_BUILD_THREADS forces it)', () => {
  it('writes exactly the bytes the one-thread build writes, on two threads or three', () => {
    const one = join(temp.path, 'threads-1');
    expect(run(['build', acme, '--out', one], repo, { DRC_BUILD_THREADS: '1' }).status).toBe(0);
    const treeOne = tree(one);
    expect([...treeOne.keys()].some((p) => p.startsWith('docs/runbooks/'))).toBe(true);
    expect([...treeOne.keys()].some((p) => p.startsWith('monitoring/'))).toBe(true);
    for (const threads of ['2', '3']) {
      const many = join(temp.path, `threads-${threads}`);
      const result = run(['build', acme, '--out', many], repo, { DRC_BUILD_THREADS: threads });
      expect(result.status, result.stderr).toBe(0);
      const treeMany = tree(many);
      expect([...treeMany.keys()].sort()).toEqual([...treeOne.keys()].sort());
      for (const [path, content] of treeOne) expect(treeMany.get(path), path).toBe(content);
    }
  });

  it('a unit failing on any thread fails the build: one clear line, exit 2, the output folder as it was, no staging left', async () => {
    // A schema error accepted with drc-ignore gets past lint; the Kubernetes family then refuses the
    // namespace. The family may run on the main thread or on a worker.
    const policy = join(temp.path, 'bad-namespace.yaml');
    const text = readFileSync(acme, 'utf8').replace(
      '    namespaces: { include: [production, payments], exclude: [kube-system] }',
      '    # drc-ignore schema -- proves that an emitter failure leaves nothing behind\n    namespaces: { include: [production, Payments_NS], exclude: [kube-system] }',
    );
    expect(text).toContain('Payments_NS');
    writeFileSync(policy, text);
    const out = join(temp.path, 'failing-unit');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'existing.txt'), 'kept\n');
    for (const threads of ['1', '2', '3']) {
      const result = run(['build', policy, '--out', out], repo, { DRC_BUILD_THREADS: threads });
      expect(result.status, threads).toBe(2);
      expect(result.stderr).toMatch(/^drc: cluster-state: namespace "Payments_NS" is not a valid Kubernetes namespace name/);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(readdirSync(out)).toEqual(['existing.txt']);
      expect(readdirSync(temp.path).filter((name) => name.includes('drc-staging'))).toEqual([]);
    }
    // The same with files already on their way to the writer thread (a policy over WRITER_THREAD_MIN_BYTES).
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const large = generatePolicy(400).replace(
      '    namespaces: { include: [ns-2], exclude: [kube-system] }',
      '    # drc-ignore schema -- proves that an emitter failure leaves nothing behind\n    namespaces: { include: [NS_2], exclude: [kube-system] }',
    );
    expect(large).toContain('NS_2');
    expect(large.length).toBeGreaterThanOrEqual(WRITER_THREAD_MIN_BYTES);
    writeFileSync(policy, large);
    for (const threads of ['1', '2']) {
      const result = run(['build', policy, '--out', out], repo, { DRC_BUILD_THREADS: threads });
      expect(result.status, threads).toBe(2);
      expect(result.stderr).toMatch(/namespace "NS_2" is not a valid Kubernetes namespace name/);
      expect(readdirSync(out)).toEqual(['existing.txt']);
      expect(readdirSync(temp.path).filter((name) => name.includes('drc-staging'))).toEqual([]);
    }
  });

  it('a 400-service policy builds the same bytes on two threads as on one, and --check sees drift in either thread\'s files', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const policy = join(temp.path, 'p400.yaml');
    writeFileSync(policy, generatePolicy(400));
    const one = join(temp.path, 'p400-1');
    const two = join(temp.path, 'p400-2');
    expect(run(['build', policy, '--out', one], repo, { DRC_BUILD_THREADS: '1' }).status).toBe(0);
    const threads = { DRC_BUILD_THREADS: '2' };
    expect(run(['build', policy, '--out', two], repo, threads).status).toBe(0);
    const treeOne = tree(one);
    const treeTwo = tree(two);
    expect(treeTwo.size).toBe(treeOne.size);
    for (const [path, content] of treeOne) expect(treeTwo.get(path), path).toBe(content);
    // Both wrote through the writer thread (over WRITER_THREAD_MIN_BYTES): the same files as in memory.
    expect(readFileSync(policy).length).toBeGreaterThanOrEqual(WRITER_THREAD_MIN_BYTES);
    const { buildPolicy } = await import('../../src/build/index.js');
    const inMemory = await buildPolicy(readFileSync(policy, 'utf8'), policy);
    expect(inMemory.artifacts.length).toBe(treeOne.size);
    for (const artifact of inMemory.artifacts) expect(treeOne.get(artifact.path), artifact.path).toBe(artifact.content);

    expect(run(['build', policy, '--out', two, '--check'], repo, threads).status).toBe(0);
    writeFileSync(join(two, 'docs', 'dr-plan.md'), 'edited\n'); // the main thread's (a large family)
    rmSync(join(two, 'scripts', 'svc-00003', 'backup.sh')); // a part either thread may take
    writeFileSync(join(two, 'monitoring', 'stray.yml'), 'x');
    const drift = run(['build', policy, '--out', two, '--check'], repo, threads);
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain('changed docs/dr-plan.md');
    expect(drift.stdout).toContain('missing scripts/svc-00003/backup.sh');
    expect(drift.stdout).toContain('extra   monitoring/stray.yml');
  });

  it('a stack over CloudFormation\'s quotas is written, with a warning on stderr, on one thread or two, and from --check', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const policy = join(temp.path, 'p1300.yaml');
    writeFileSync(policy, generatePolicy(1300));
    const message = String.raw`[\d,]+ bytes \(at most 1,000,000\), \d+ resources \(at most 500\): CloudFormation cannot deploy this stack\.`;
    for (const threads of ['1', '2']) {
      const out = join(temp.path, `p1300-${threads}`);
      const warning = new RegExp(`^drc: warning: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/aws/cloudformation/backup-stack\\.yaml: ${message}`, 'm');
      const result = run(['build', policy, '--out', out], repo, { DRC_BUILD_THREADS: threads });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(warning);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(out, 'aws', 'cloudformation', 'backup-stack.yaml'))).toBe(true);
      const check = run(['build', policy, '--out', out, '--check'], repo, { DRC_BUILD_THREADS: threads });
      expect(check.status).toBe(0);
      expect(check.stderr).toMatch(warning);
    }
    // With --format github (as for the diagnostics): an annotation on the file, relative to the working directory.
    const annotated = run(['build', policy, '--out', 'gh-out', '--format', 'github'], temp.path);
    expect(annotated.status, annotated.stderr).toBe(0);
    expect(annotated.stderr).toMatch(new RegExp(`^::warning file=gh-out/aws/cloudformation/backup-stack\\.yaml,title=drc build::${message}`, 'm'));
    expect(annotated.stderr.trim().split('\n')).toHaveLength(1);
    const small = run(['build', acme, '--out', join(temp.path, 'acme-quiet')]);
    expect(small.stderr).toBe('');
    const { buildPolicy } = await import('../../src/build/index.js');
    const inMemory = await buildPolicy(readFileSync(policy, 'utf8'), policy);
    expect(inMemory.warnings.map((w) => w.path)).toEqual(['aws/cloudformation/backup-stack.yaml']);
    expect(inMemory.warnings[0]!.message).toMatch(new RegExp(`^${message}`));
  });
});

describe('SourceIndex.release (drc build lets the yaml tree go after lint)', () => {
  it('afterwards pointers resolve to the document start and positions are still counted from the text', async () => {
    const { lintText } = await import('../../src/checker/index.js');
    const text = readFileSync(acme, 'utf8');
    const source = lintText(text, 'drc.yaml').policy!.source;
    const before = source.locate('/services/0/name');
    expect(before.line).toBeGreaterThan(1);
    const offset = text.indexOf('\n', text.indexOf('\n') + 1) + 3; // line 3, column 3 (after the newline, 2 more)
    const counted = source.position([offset, offset]);
    source.release();
    expect(source.locate('/services/0/name')).toEqual({ line: 1, column: 1, endLine: 1, endColumn: 1 });
    expect(source.has('/services/0/name')).toBe(false);
    expect(source.position([offset, offset])).toEqual(counted);
    expect(counted).toMatchObject({ line: 3, column: 3 });
  });
});
