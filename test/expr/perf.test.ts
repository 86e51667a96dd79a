/**
 * Budget: 20 custom rules over the 10,000-service benchmark policy add under 20 % to its lint time,
 * and evaluating them (compiled once to closures) takes well under 100 ms.
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { compileCustomRules } from '../../src/checker/custom-rules.js';

const RULES: [string, string | null, string][] = [
  ['acme/r01', 'tier == "tier1"', 'rto <= 2h'],
  ['acme/r02', null, 'rpo <= 24h'],
  ['acme/r03', null, 'retention >= 7d'],
  ['acme/r04', null, '"us-east-1" in regions'],
  ['acme/r05', null, 'len(regions) >= 1'],
  ['acme/r06', null, 'encryption.at_rest == "aws:kms"'],
  ['acme/r07', null, 'encryption.client_side.method in ["age", "openssl"]'],
  ['acme/r08', null, 'data_size <= 50GiB'],
  ['acme/r09', null, 'restore_rate >= 100MiB/s'],
  ['acme/r10', null, 'schedule <= 24h'],
  ['acme/r11', null, 'owner != null'],
  ['acme/r12', null, 'labels.team != null and len(labels) >= 2'],
  ['acme/r13', 'kind == "postgresql"', 'postgresql.pitr or schedule <= 30m'],
  ['acme/r14', 'tier == "tier1"', 'immutable and min_regions >= 2'],
  ['acme/r15', null, 'restore_test <= 31d'],
  ['acme/r16', 'environment == "production"', 'dr_drill == null or dr_drill <= 92d'],
  ['acme/r17', null, 'storage.object_lock.mode in ["governance", "compliance"]'],
  ['acme/r18', null, 'storage.expire_after == null or storage.expire_after >= retention'],
  ['acme/r19', 'labels["cost-center"] == "cc-3"', 'data_size < 45GiB'],
  ['acme/r20', null, 'not (kind == "files" and tier == "tier3") or retention.keep.daily >= 7'],
];

function rulesYaml(): string {
  return (
    'rules:\n' +
    RULES.map(([id, where, assert]) => `  - id: ${id}\n${where ? `    where: '${where}'\n` : ''}    assert: '${assert}'\n    message: ${id} fails\n`).join('')
  );
}

function fastest(run: () => void, times: number): number {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('custom-rule performance on the 10,000-service benchmark policy', () => {
  it('20 rules add under 20 % to lint time', async () => {
    const generatorPath = '../../bench/generate.mjs';
    const { generatePolicy } = (await import(generatorPath)) as { generatePolicy: (n: number) => string };
    const base = generatePolicy(10_000);
    const withRules = base + rulesYaml();

    const probe = lintText(withRules, 'bench.yaml');
    expect(probe.diagnostics.filter((d) => d.rule === 'invalid-rule')).toEqual([]);
    const fired = new Map<string, number>();
    for (const d of probe.diagnostics) if (d.rule.startsWith('acme/')) fired.set(d.rule, (fired.get(d.rule) ?? 0) + 1);

    // Pure evaluation: compile once, check every service with every rule.
    const policy = probe.policy!;
    let compiledRules = compileCustomRules(policy).rules;
    expect(compiledRules).toHaveLength(20);
    const evaluation = fastest(() => {
      compiledRules = compileCustomRules(policy).rules;
      for (const rule of compiledRules) rule.check(policy, () => {});
    }, 5);

    // The share of one lint run spent in custom rules (compiling, evaluating, turning findings into
    // diagnostics), timed inside the same run so that load on the machine cannot skew the ratio.
    const timedRun = () => {
      let custom = 0;
      const started = performance.now();
      lintText(withRules, 'bench.yaml', {
        extraRules: (p) => {
          const t0 = performance.now();
          const { rules } = compileCustomRules(p);
          custom += performance.now() - t0;
          return rules.map((r) => ({
            meta: r.meta,
            check(policyArg, report) {
              const t = performance.now();
              r.check(policyArg, report);
              custom += performance.now() - t;
            },
          }));
        },
      });
      return { custom, total: performance.now() - started };
    };
    const runs = [timedRun(), timedRun()];
    const share = Math.min(...runs.map((r) => r.custom / (r.total - r.custom)));
    // For information: two whole lint runs each way, interleaved (noisy on a loaded machine).
    const without = Math.min(...[0, 1].map(() => fastest(() => lintText(base, 'bench.yaml'), 1)));
    const withCustom = Math.min(...runs.map((r) => r.total));
    console.log(
      `custom rules: compile + evaluate 20 rules x ${policy.services.length} services = ${evaluation.toFixed(1)} ms; ` +
        `in a lint run they take ${(share * 100).toFixed(1)} % on top of the rest; whole runs: ${without.toFixed(0)} ms without, ` +
        `${withCustom.toFixed(0)} ms with; findings per rule: ${JSON.stringify(Object.fromEntries(fired))}`,
    );
    expect(evaluation).toBeLessThan(100);
    expect(share).toBeLessThan(0.2);
  }, 180_000);
});
