/** drc lint's inputs and outputs through main(): which format each --output-file gets, directories, `-`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { outputTargets } from '../../src/cli/lint.js';
import { policyFiles } from '../../src/cli/io.js';
import { BASE, drc, edit, memoryIo, tempDir, write } from '../diff/helpers.js';

/** BASE with one error (tier-objective: an RPO looser than its tier's). */
const FAILING = edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 1h\n    rpo: 1h\n    retention: 90d');

function diagnosticFiles(stdout: string): string[] {
  return [...new Set((JSON.parse(stdout).diagnostics as { file: string }[]).map((d) => d.file))].sort();
}

describe('--output-file pairing', () => {
  it('the documented CI command prints stylish and writes SARIF to the file', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    const r = await drc(dir, ['lint', 'drc.yaml', '--format', 'stylish', '--format', 'sarif', '--output-file', 'drc.sarif']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^drc\.yaml:\d+:\d+ +error +api-files: RPO 1h/m);
    expect(r.stdout).not.toContain('"$schema"');
    const sarif = JSON.parse(readFileSync(join(dir, 'drc.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toContainEqual(expect.objectContaining({ ruleId: 'tier-objective' }));
  });

  it('as many files as formats pair in order', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    const r = await drc(dir, ['lint', 'drc.yaml', '--format', 'json', '--format', 'sarif', '--output-file', 'out.json', '--output-file', 'out.sarif']);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).summary.errors).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('files go to the last formats without a name:file of their own', () => {
    expect(outputTargets(['stylish', 'json', 'sarif'], ['a.sarif'], {})).toEqual([
      { format: 'stylish', file: null },
      { format: 'json', file: null },
      { format: 'sarif', file: 'a.sarif' },
    ]);
    expect(outputTargets(['stylish', 'json', 'sarif:own.sarif', 'junit'], ['a.json', 'b.xml'], {})).toEqual([
      { format: 'stylish', file: null },
      { format: 'json', file: 'a.json' },
      { format: 'sarif', file: 'own.sarif' },
      { format: 'junit', file: 'b.xml' },
    ]);
    expect(() => outputTargets(['sarif:own.sarif'], ['extra.sarif'], {})).toThrow('more --output-file than --format (extra.sarif)');
  });
});

describe('drc lint DIRECTORY', () => {
  function policiesTree(): string {
    const dir = tempDir();
    write(dir, 'policies/b.yaml', FAILING);
    write(dir, 'policies/a/z.yml', FAILING);
    write(dir, 'policies/team x/c.yaml', FAILING);
    write(dir, 'policies/notes.txt', 'not a policy');
    // Not policies: a config (it is still discovered as one), hidden folders, dependencies.
    write(dir, 'policies/.drc.yaml', 'rules:\n  owner-required: warning\n');
    write(dir, 'policies/.hidden/x.yaml', ': not yaml [');
    write(dir, 'policies/node_modules/pkg/x.yaml', ': not yaml [');
    return dir;
  }

  it('lints every *.yaml and *.yml under it, sorted by path, skipping hidden entries and node_modules', () => {
    const dir = policiesTree();
    expect(policyFiles(dir, ['policies/']).map((f) => f.split('\\').join('/'))).toEqual(['policies/a/z.yml', 'policies/b.yaml', 'policies/team x/c.yaml']);
    expect(policyFiles(dir, ['one.yaml', '-'])).toEqual(['one.yaml', '-']);
  });

  it('skips the folders drc build wrote (their YAML is not policies), but not a folder with some other manifest.json', () => {
    const dir = policiesTree();
    write(dir, 'policies/out/manifest.json', '{\n  "drc_version": "0.1.0",\n  "files": []\n}\n');
    write(dir, 'policies/out/kubernetes/velero/schedules.yaml', 'apiVersion: velero.io/v1\n');
    write(dir, 'policies/npm/manifest.json', '{ "name": "x" }\n');
    write(dir, 'policies/npm/p.yaml', 'version: 1\n');
    expect(policyFiles(dir, ['policies/']).map((f) => f.split('\\').join('/'))).toEqual([
      'policies/a/z.yml', 'policies/b.yaml', 'policies/npm/p.yaml', 'policies/team x/c.yaml',
    ]);
  });

  it('reports diagnostics with relative, forward-slash paths as for files', async () => {
    const dir = policiesTree();
    const r = await drc(dir, ['lint', 'policies/', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(diagnosticFiles(r.stdout)).toEqual(['policies/a/z.yml', 'policies/b.yaml', 'policies/team x/c.yaml']);
    const fromInside = await drc(join(dir, 'policies'), ['lint', '.', '--format', 'json']);
    expect(diagnosticFiles(fromInside.stdout)).toEqual(['a/z.yml', 'b.yaml', 'team x/c.yaml']);
  });

  it('a directory without policy files is a usage error', async () => {
    const dir = tempDir();
    write(dir, 'empty/.drc.yaml', 'rules: {}\n');
    write(dir, 'empty/README.md', '# nothing here\n');
    const r = await drc(dir, ['lint', 'empty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('drc: no policy files (*.yaml, *.yml) in empty\n');
  });
});

describe('drc lint -', () => {
  it('reads the policy from stdin and names it <stdin>', async () => {
    const dir = tempDir();
    const io = { ...memoryIo(dir), readStdin: async () => FAILING };
    const code = await main(['lint', '-', '--format', 'json'], io);
    expect(code).toBe(1);
    expect(diagnosticFiles(io.out.join(''))).toEqual(['<stdin>']);
  });

  it('- twice is a usage error (stdin can be read once)', async () => {
    const r = await drc(tempDir(), ['lint', '-', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('drc: - (standard input) can be given only once\n');
  });
});

describe('drc diff pairs --output-file with formats as lint does', () => {
  it('the file goes to the last format without one', async () => {
    const { diffTargets } = await import('../../src/cli/diff.js');
    expect(diffTargets(['text', 'json'], ['d.json'])).toEqual([
      { format: 'text', file: null },
      { format: 'json', file: 'd.json' },
    ]);
    expect(diffTargets(['markdown:pr.md', 'text', 'json'], ['d.json'])).toEqual([
      { format: 'markdown', file: 'pr.md' },
      { format: 'text', file: null },
      { format: 'json', file: 'd.json' },
    ]);
    expect(() => diffTargets(['text'], ['a', 'b'])).toThrow(/more --output-file than --format/);
  });
});
