import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderWriter } from '../../src/build/sink.js';
import { WriterThread } from '../../src/build/writer-thread.js';
import { makeTempDir } from '../harness/tmp.js';

// The thread runs the bundle's script (npm test builds dist/ first).
const script = new URL('../../dist/build-writer.js', import.meta.url);
const temp = makeTempDir('drc-writer-thread');
afterAll(() => temp.cleanup());

const files = [
  { path: 'a.txt', content: 'one\n' },
  { path: 'scripts/svc/backup.sh', content: '#!/usr/bin/env bash\necho hi\n', executable: true },
  { path: 'docs/runbooks/svc.md', content: '# é ✓\n' },
  // Larger than a batch (4 MB): sent in a buffer of its own.
  { path: 'monitoring/big.yml', content: 'x'.repeat(5 * 1024 * 1024) + '\n' },
  ...Array.from({ length: 300 }, (_, i) => ({ path: `many/f${i}.txt`, content: `${i}\n`.repeat(i) })),
];

function tree(root: string): Map<string, { bytes: string; mode: number }> {
  const out = new Map<string, { bytes: string; mode: number }>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else out.set(`${prefix}${entry.name}`, { bytes: readFileSync(path, 'latin1'), mode: statSync(path).mode & 0o777 });
    }
  };
  walk(root, '');
  return out;
}

describe('WriterThread (a large build writes its files on a thread of its own)', () => {
  it('writes exactly what FolderWriter writes, bytes and modes, and hashes the same', async () => {
    const here = new FolderWriter(join(temp.path, 'here'));
    const there = new WriterThread(join(temp.path, 'there'), script);
    for (const f of files) {
      here.add(f);
      await there.add(f);
    }
    const entries = await there.settle();
    await there.stop();
    const expected = tree(join(temp.path, 'here'));
    expect(expected.size).toBe(files.length);
    expect(tree(join(temp.path, 'there'))).toEqual(expected);
    expect(entries).toEqual(await here.settle());
    const hello = entries.find((e) => e.path === 'docs/runbooks/svc.md');
    expect(hello).toEqual({ path: 'docs/runbooks/svc.md', sha256: createHash('sha256').update('# é ✓\n', 'utf8').digest('hex'), executable: false });
    expect(entries.find((e) => e.path === 'scripts/svc/backup.sh')?.executable).toBe(true);
  });

  it('encodes text whose UTF-8 is longer than its length into a batch without cutting it', async () => {
    // 3-byte characters filling more than a batch, after a file that leaves the batch part-used.
    const wide = [
      { path: 'first.txt', content: 'x'.repeat(1000) },
      { path: 'wide.txt', content: '✓'.repeat(2 * 1024 * 1024) },
      { path: 'small.txt', content: 'é'.repeat(10) },
      // Larger than a batch: tried at one byte per character (and 3 more), counted only when too small.
      { path: 'large-ascii.txt', content: 'a'.repeat(5 * 1024 * 1024) },
      { path: 'large-one-more.txt', content: `${'b'.repeat(5 * 1024 * 1024)}é` },
      { path: 'large-three-more.txt', content: `${'c'.repeat(5 * 1024 * 1024)}✓` },
      { path: 'large-four-more.txt', content: `${'d'.repeat(5 * 1024 * 1024)}✓é` },
      { path: 'large-wide.txt', content: '✓'.repeat(5 * 1024 * 1024) },
      { path: 'after.txt', content: 'é' },
    ];
    const writer = new WriterThread(join(temp.path, 'wide'), script);
    for (const f of wide) await writer.add(f);
    const entries = await writer.settle();
    await writer.stop();
    for (const f of wide) {
      expect(readFileSync(join(temp.path, 'wide', f.path), 'utf8')).toBe(f.content);
      expect(entries.find((e) => e.path === f.path)?.sha256).toBe(createHash('sha256').update(f.content, 'utf8').digest('hex'));
    }
  });

  it('reports the first write that fails, with the reason, and takes no more files', async () => {
    const root = join(temp.path, 'failing');
    const writer = new WriterThread(root, script);
    await writer.add({ path: 'a', content: 'file\n' });
    await writer.add({ path: 'a/b', content: 'a file under a file\n' }); // cannot exist
    await expect(writer.settle()).rejects.toThrow(/ENOTDIR|EEXIST|not a directory|file already exists/i);
    expect(() => writer.add({ path: 'c', content: 'x' })).toThrow();
    await writer.stop();
    expect(existsSync(join(root, 'c'))).toBe(false);
  });
});
