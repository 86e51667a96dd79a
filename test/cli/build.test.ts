/** drc build: deterministic bytes, atomic output, --check, and nothing written when lint fails. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/** The manifest.json of an earlier build, as far as drc build needs to know one (drc_version and files). */
const EARLIER_MANIFEST = JSON.stringify({ drc_version: '0.0.1', policy_sha256: '0'.repeat(64), files: [] });

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

    // An earlier build's folder (a folder that is not one is refused before lint: see below).
    const existing = join(temp.path, 'existing');
    mkdirSync(existing);
    writeFileSync(join(existing, 'manifest.json'), EARLIER_MANIFEST);
    writeFileSync(join(existing, 'keep.txt'), 'mine');
    expect(run(['build', bad, '--out', existing]).status).toBe(1);
    expect([...tree(existing).keys()].sort()).toEqual(['keep.txt', 'manifest.json']);
  });

  it('--check sees a script whose executable bit differs from the manifest, and a file made executable', () => {
    const out = join(temp.path, 'modes');
    expect(run(['build', acme, '--out', out]).status).toBe(0);
    chmodSync(join(out, 'scripts', 'production-db', 'backup.sh'), 0o644);
    chmodSync(join(out, 'docs', 'dr-plan.md'), 0o755);
    const drift = run(['build', acme, '--out', out, '--check']);
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain('changed scripts/production-db/backup.sh');
    expect(drift.stdout).toContain('changed docs/dr-plan.md');
    expect(drift.stdout.trim().split('\n')).toHaveLength(3);
    // A rebuild restores the modes.
    expect(run(['build', acme, '--out', out]).status).toBe(0);
    expect(run(['build', acme, '--out', out, '--check']).status).toBe(0);
  });

  it('an unreadable policy is exit 2 with a one-line reason and no stack trace', () => {
    const result = run(['build', join(temp.path, 'missing.yaml'), '--out', join(temp.path, 'x')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot read .*missing\.yaml: no such file/);
  });
});

describe('drc build --out: replaces only a new or empty folder or an earlier build (it deletes what was there)', () => {
  /** A folder with a copy of the acme policy and a file of the user's; returns its path. */
  function project(name: string): string {
    const dir = join(temp.path, 'out-rules', name);
    mkdirSync(dir, { recursive: true });
    cpSync(acme, join(dir, 'drc.yaml'));
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    return dir;
  }

  /** Exit 2, one line on stderr matching `message`, nothing on stdout, and no staging folder next to `out`. */
  function expectRefused(result: ReturnType<typeof run>, message: RegExp, out: string) {
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stdout).toBe('');
    expect(readdirSync(dirname(out)).filter((name) => name.includes('drc-staging'))).toEqual([]);
  }

  it('refuses the folder holding the policy, or an ancestor of it, leaving everything as it was', () => {
    const dir = project('policy-folder');
    mkdirSync(join(dir, 'sub'));
    const before = tree(dir);
    expectRefused(run(['build', 'drc.yaml', '--out', '.'], dir), /^drc: --out \. holds the policy drc\.yaml; the build replaces its --out folder whole/, dir);
    expectRefused(run(['build', '../drc.yaml', '--out', '..'], join(dir, 'sub')), /^drc: --out \.\. holds the policy \.\.\/drc\.yaml;/, dir);
    expectRefused(run(['build', join(dir, 'drc.yaml'), '--out', dirname(dir)]), /holds the policy /, dirname(dir));
    expect(tree(dir)).toEqual(before);
  });

  it('refuses the current directory or an ancestor of it, even when the policy is elsewhere', () => {
    const dir = project('working-directory');
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'draft.txt'), 'mine\n');
    const before = tree(dir);
    expectRefused(run(['build', acme, '--out', '.'], work), /^drc: --out \. holds the current directory;/, work);
    expectRefused(run(['build', acme, '--out', '..'], work), /^drc: --out \.\. holds the current directory;/, dir);
    expect(tree(dir)).toEqual(before);
  });

  it('refuses a path that is a file, or under a file, and leaves the file as it was', () => {
    const dir = project('a-file');
    expectRefused(run(['build', 'drc.yaml', '--out', 'drc.yaml'], dir), /^drc: --out drc\.yaml is not a folder; the build replaces its --out folder whole/, dir);
    expectRefused(run(['build', 'drc.yaml', '--out', 'notes.txt/out'], dir), /^drc: --out notes\.txt\/out is not a folder;/, dir);
    expect(statSync(join(dir, 'drc.yaml')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'drc.yaml'), 'utf8')).toBe(readFileSync(acme, 'utf8'));
  });

  it('refuses a folder with files that is not an earlier build: no manifest.json, one not JSON, or JSON not from drc', () => {
    const dir = project('not-a-build');
    const out = join(dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'report.md'), 'mine\n');
    for (const manifest of [null, '{ not json', JSON.stringify({ name: 'some-package', files: [] }), JSON.stringify({ drc_version: '0.1.0' })]) {
      if (manifest === null) rmSync(join(out, 'manifest.json'), { force: true });
      else writeFileSync(join(out, 'manifest.json'), manifest);
      const before = tree(out);
      expectRefused(run(['build', 'drc.yaml', '--out', 'mine'], dir), /^drc: --out mine is not empty and not an earlier drc build \(no drc manifest\.json\); .*empty or remove it first, or give another folder$/, out);
      expect(tree(out)).toEqual(before);
    }
  });

  it('rebuilds over an earlier build (files no longer written go), and builds into an empty or new folder', () => {
    const dir = project('rebuild');
    expect(run(['build', 'drc.yaml', '--out', 'out'], dir).status).toBe(0);
    writeFileSync(join(dir, 'out', 'stale.txt'), 'from an older build\n');
    const again = run(['build', 'drc.yaml', '--out', 'out'], dir);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(dir, 'out', 'stale.txt'))).toBe(false);
    expect(run(['build', 'drc.yaml', '--out', 'out', '--check'], dir).status).toBe(0);
    mkdirSync(join(dir, 'empty'));
    expect(run(['build', 'drc.yaml', '--out', 'empty'], dir).status).toBe(0);
    expect(run(['build', 'drc.yaml', '--out', 'new/nested'], dir).status).toBe(0);
    expect(tree(join(dir, 'empty'))).toEqual(tree(join(dir, 'out')));
    expect(tree(join(dir, 'new', 'nested'))).toEqual(tree(join(dir, 'out')));
    expect(readdirSync(dir).filter((name) => name.includes('drc-staging'))).toEqual([]);
  });

  it('builds into the folder a symbolic link points to, and the link stays a link', () => {
    const dir = project('symlink');
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere', 'real'), join(dir, 'link'));
    expectRefused(run(['build', 'drc.yaml', '--out', 'link'], dir), /^drc: --out link is a symbolic link to a missing folder; create the folder, or give another --out$/, dir);
    mkdirSync(join(dir, 'elsewhere', 'real'));
    for (let i = 0; i < 2; i++) {
      const result = run(['build', 'drc.yaml', '--out', 'link'], dir);
      expect(result.status, result.stderr).toBe(0);
      expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
      expect(existsSync(join(dir, 'elsewhere', 'real', 'manifest.json'))).toBe(true);
    }
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual(['real']);
    expect(run(['build', 'drc.yaml', '--out', 'link', '--check'], dir).status).toBe(0);
    // The rules apply to the folder the link points to.
    symlinkSync(dir, join(dir, 'up'));
    expectRefused(run(['build', 'drc.yaml', '--out', 'up'], dir), /^drc: --out up holds the policy drc\.yaml;/, dir);
    expect(lstatSync(join(dir, 'up')).isSymbolicLink()).toBe(true);
  });

  it('--check compares with any folder and writes nothing', () => {
    const dir = project('check-anywhere');
    const before = tree(dir);
    const result = run(['build', 'drc.yaml', '--out', '.', '--check'], dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('extra   notes.txt');
    expect(result.stdout).toContain('missing manifest.json');
    expect(run(['build', 'drc.yaml', '--out', 'drc.yaml', '--check'], dir).status).toBe(1);
    expect(tree(dir)).toEqual(before);
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
    writeFileSync(join(out, 'manifest.json'), EARLIER_MANIFEST);
    writeFileSync(join(out, 'existing.txt'), 'kept\n');
    for (const threads of ['1', '2', '3']) {
      const result = run(['build', policy, '--out', out], repo, { DRC_BUILD_THREADS: threads });
      expect(result.status, threads).toBe(2);
      expect(result.stderr).toMatch(/^drc: cluster-state: namespace "Payments_NS" is not a valid Kubernetes namespace name/);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(readdirSync(out).sort()).toEqual(['existing.txt', 'manifest.json']);
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
      expect(readdirSync(out).sort()).toEqual(['existing.txt', 'manifest.json']);
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
    // Scripts that lost their executable bit, spread over the parts either thread may take.
    const unexecutable = [...treeTwo.keys()].filter((path) => /^scripts\/svc-\d+\/restore\.sh$/.test(path)).filter((_, i) => i % 7 === 0);
    expect(unexecutable.length).toBeGreaterThan(20);
    for (const path of unexecutable) chmodSync(join(two, path), 0o644);
    writeFileSync(join(two, 'monitoring', 'stray.yml'), 'x');
    const drift = run(['build', policy, '--out', two, '--check'], repo, threads);
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain('changed docs/dr-plan.md');
    expect(drift.stdout).toContain('missing scripts/svc-00003/backup.sh');
    for (const path of unexecutable) expect(drift.stdout).toContain(`changed ${path}`);
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
