/** CI integration end to end through main(): GitHub annotations, escaping, auto-detection, step summary, GitLab. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE, drc, edit, tempDir, write } from '../diff/helpers.js';

describe('drc lint in CI', () => {
  it('GITHUB_ACTIONS=true picks the github format and appends a summary to $GITHUB_STEP_SUMMARY', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 1h\n    rpo: 1h\n    retention: 90d'));
    const summary = write(dir, 'summary.md', '# earlier step\n');
    const r = await drc(dir, ['lint', 'drc.yaml'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=drc\.yaml,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=tier-objective::api-files: RPO 1h is looser/m);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain('## drc lint');
    expect(text).toContain('| Rule | Severity | Count |');
    expect(text).toMatch(/\| error \| drc\.yaml:\d+:\d+ \| tier-objective \|/);
  });

  it('escapes %, :, , and newlines in file properties and messages', async () => {
    const dir = tempDir();
    const file = 'team a,b/50%:x.yaml';
    // A custom rule whose message has %, a newline, a colon and a comma.
    write(dir, file, `${BASE}rules:\n  - id: acme/odd\n    severity: warning\n    assert: 'retention >= 365d'\n    message: "100% sure: a, b\\nnext line"\n`);
    const r = await drc(dir, ['lint', file, '--format', 'github']);
    const line = r.stdout.split('\n').find((l) => l.includes('title=acme/odd'))!;
    expect(line).toBeDefined();
    expect(line).toContain('file=team a%2Cb/50%25%3Ax.yaml,');
    expect(line).toContain('title=acme/odd::production-db: 100%25 sure: a, b%0Anext line%0Ahint: ');
    expect(line).not.toMatch(/[\r\n]/);
    expect(r.stdout.split('\n').every((l) => l === '' || l.startsWith('::'))).toBe(true);
  });

  it('diff writes its markdown to the step summary too', async () => {
    const dir = tempDir();
    write(dir, 'old.yaml', BASE);
    write(dir, 'new.yaml', edit(BASE, 'rpo: 15m', 'rpo: 30m'));
    const summary = join(dir, 'summary.md');
    const r = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'github'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=new\.yaml,.*title=objective-weakened::/m);
    expect(readFileSync(summary, 'utf8')).toContain('| production-db | RPO | 15m | 30m | 🔻 weakened | tier tier1 |');
  });

  it('--format gitlab writes a Code Quality report', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', BASE);
    write(dir, 'old.yaml', edit(BASE, 'retention: 90d', 'retention: 1y'));
    const r = await drc(dir, ['lint', 'drc.yaml', '--baseline', 'old.yaml', '--format', 'gitlab:gl-code-quality.json']);
    expect(r.code).toBe(1);
    const issues = JSON.parse(readFileSync(join(dir, 'gl-code-quality.json'), 'utf8'));
    expect(issues).toContainEqual(expect.objectContaining({ check_name: 'retention-reduced', severity: 'critical', location: expect.objectContaining({ path: 'drc.yaml' }) }));
  });
});
