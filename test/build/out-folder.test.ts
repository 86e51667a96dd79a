/** The output folder: what StagingFolder may remove, what outFolderFor lets a build replace, what FolderComparison sees. */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderComparison, FolderWriter, outFolderFor, StagingFolder } from '../../src/build/index.js';
import type { Artifact } from '../../src/emitters/types.js';
import { makeTempDir } from '../harness/tmp.js';

const temp = makeTempDir('drc-out-folder-test');
afterAll(() => temp.cleanup());

const script: Artifact = { path: 'scripts/db/backup.sh', content: '#!/usr/bin/env bash\necho ok\n', executable: true };
const doc: Artifact = { path: 'docs/plan.md', content: '# Plan\n' };

/** A fresh folder under the temp dir. */
function folder(name: string): string {
  const path = join(temp.path, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** An earlier build's folder (its manifest as far as drc build needs to know one). */
function written(root: string): string {
  const writer = new FolderWriter(root);
  for (const artifact of [script, doc]) writer.add(artifact);
  writer.add({ path: 'manifest.json', content: JSON.stringify({ drc_version: '0.1.0', files: [] }) });
  return root;
}

describe('StagingFolder', () => {
  it('never removes a folder that was already there, whatever its name (the old names were .out.drc-staging-<pid> and .out.drc-previous-<pid>)', async () => {
    const parent = folder('staging-names');
    const out = written(join(parent, 'out'));
    const lookalikes = [`.out.drc-staging-${process.pid}`, `.out.drc-previous-${process.pid}`, '.out.drc-staging-'];
    for (const name of lookalikes) {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, 'mine.txt'), 'mine\n');
    }
    const staging = new StagingFolder(out);
    staging.add({ ...doc, content: '# Plan, rebuilt\n' });
    await staging.commit();
    expect(readFileSync(join(out, 'docs', 'plan.md'), 'utf8')).toBe('# Plan, rebuilt\n');
    expect(existsSync(join(out, 'scripts'))).toBe(false);
    const aborted = new StagingFolder(out);
    aborted.add(script);
    await aborted.abort();
    expect(readdirSync(parent).sort()).toEqual([...lookalikes, 'out'].sort());
    for (const name of lookalikes) expect(readFileSync(join(parent, name, 'mine.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses a file or a symbolic link as the folder to replace, before creating anything', () => {
    const parent = folder('staging-refuses');
    writeFileSync(join(parent, 'file'), 'mine\n');
    mkdirSync(join(parent, 'real'));
    symlinkSync(join(parent, 'real'), join(parent, 'link'));
    expect(() => new StagingFolder(join(parent, 'file'))).toThrow(/is not a folder drc build can replace/);
    expect(() => new StagingFolder(join(parent, 'link'))).toThrow(/is not a folder drc build can replace/);
    expect(readdirSync(parent).sort()).toEqual(['file', 'link', 'real']);
  });
});

describe('outFolderFor', () => {
  const kept = (path: string) => [{ path, holds: 'the policy drc.yaml' }];

  it('gives the folder a symbolic link points to, so that the swap leaves the link a link', () => {
    const parent = folder('out-link');
    const real = written(join(parent, 'real'));
    symlinkSync(real, join(parent, 'link'));
    expect(outFolderFor('link', parent, kept(join(temp.path, 'elsewhere', 'drc.yaml')))).toEqual({ target: real });
  });

  it('compares the kept paths with symbolic links resolved', () => {
    const parent = folder('out-kept');
    mkdirSync(join(parent, 'project'));
    writeFileSync(join(parent, 'project', 'drc.yaml'), 'version: 1\n');
    symlinkSync(join(parent, 'project'), join(parent, 'alias'));
    // The policy named through the link; the out folder named directly, and the other way round.
    expect(outFolderFor('project', parent, kept(join(parent, 'alias', 'drc.yaml'))).refusal).toMatch(/^--out project holds the policy drc\.yaml;/);
    expect(outFolderFor('alias', parent, kept(join(parent, 'project', 'drc.yaml'))).refusal).toMatch(/^--out alias holds the policy drc\.yaml;/);
  });

  it('takes a missing folder, an empty one and an earlier build', () => {
    const parent = folder('out-ok');
    mkdirSync(join(parent, 'empty'));
    written(join(parent, 'earlier'));
    for (const out of ['missing', 'empty', 'earlier']) expect(outFolderFor(out, parent, [])).toEqual({ target: join(parent, out) });
  });
});

describe('FolderComparison', () => {
  it('counts a file whose executable bit differs from what the build writes as changed, either way', async () => {
    const root = written(folder('modes'));
    const compare = () => {
      const comparison = new FolderComparison(root);
      comparison.add(script);
      comparison.add(doc);
      return comparison.drift().filter((drift) => drift.path !== 'manifest.json');
    };
    expect(compare()).toEqual([]);
    chmodSync(join(root, script.path), 0o644);
    chmodSync(join(root, doc.path), 0o744);
    expect(compare()).toEqual([
      { path: doc.path, change: 'changed' },
      { path: script.path, change: 'changed' },
    ]);
    // Executable is the owner's bit, as for git: group and others do not count.
    chmodSync(join(root, script.path), 0o700);
    chmodSync(join(root, doc.path), 0o655);
    expect(compare()).toEqual([]);
  });

  it('counts a folder where a file should be as changed, and a file where the folder should be as every file missing', () => {
    const root = folder('not-files');
    mkdirSync(join(root, 'docs', 'plan.md'), { recursive: true });
    const comparison = new FolderComparison(root);
    comparison.add(doc);
    expect(comparison.drift()).toEqual([{ path: doc.path, change: 'changed' }]);
    writeFileSync(join(temp.path, 'a-file'), 'x');
    const onAFile = new FolderComparison(join(temp.path, 'a-file'));
    onAFile.add(doc);
    expect(onAFile.drift()).toEqual([{ path: doc.path, change: 'missing' }]);
  });
});
