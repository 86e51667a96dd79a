/** The bundled examples: acme lints clean; the brief's matrix yields exactly the findings its README explains. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintText } from '../src/checker/index.js';

function lintExample(name: string) {
  const file = `examples/${name}/drc.yaml`;
  return lintText(readFileSync(file, 'utf8'), file).diagnostics;
}

describe('examples', () => {
  it('acme lints clean: no finding at all', () => {
    expect(lintExample('acme')).toEqual([]);
  });

  it('seed-matrix yields the findings its README explains', () => {
    const found = lintExample('seed-matrix')
      .filter((d) => d.rule !== 'rto-feasible')
      .map((d) => `${d.rule} ${d.path} ${d.line}`);
    expect(found).toEqual([
      'cross-region /services/production-db/storage 49',
      'cross-region /services/user-files/storage 59',
      'tier-objective /services/user-files/rto 66',
      'tier-objective /services/user-files/rpo 67',
      'cross-region /services/app-config/storage 71',
      'archive-vs-rto /services/app-config/rto 76',
      'tier-objective /services/app-config/rpo 77',
      'cross-region /services/cluster-state/storage 81',
      'rpo-feasible /services/cluster-state/rpo 87',
      'tier-objective /services/cluster-state/rpo 87',
      'cross-region /services/analytics-db/storage 91',
      'cross-region /services/logs/storage 101',
      'cross-region /services/metrics/storage 112',
      'rpo-feasible /services/metrics/rpo 118',
      'rpo-feasible /services/test-environments/rpo 140',
    ]);
    const infos = lintExample('seed-matrix').filter((d) => d.rule === 'rto-feasible');
    expect(infos.every((d) => d.severity === 'info')).toBe(true);
    expect(infos).toHaveLength(9);
  });
});
