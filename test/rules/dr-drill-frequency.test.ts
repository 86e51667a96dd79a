import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER's tier1 (line 21) without its dr_drill. */
const NO_DRILL = BASE_HEADER.replace(', dr_drill: quarterly', '');
const SERVICES = 'services:\n  db:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n';

testRule('dr-drill-frequency', {
  valid: [
    { name: 'tier1 drills quarterly', code: BASE_HEADER + SERVICES },
    { name: 'monthly is more often than quarterly', code: BASE_HEADER.replace('dr_drill: quarterly', 'dr_drill: monthly') + SERVICES },
    {
      name: 'a tier with min_regions 1 and not immutable is not tier-1',
      code: BASE_HEADER + '  tier2: { rto: 8h, rpo: 24h, min_regions: 1, immutable: false }\n' + SERVICES,
    },
    {
      name: 'the drill from defaults counts when the tier sets none',
      code: NO_DRILL + 'defaults:\n  dr_drill: every 60d\n' + SERVICES,
    },
    { name: 'an invalid dr_drill is reported by invalid-value only', code: BASE_HEADER.replace('dr_drill: quarterly', 'dr_drill: quartely') + SERVICES },
  ],
  invalid: [
    {
      name: 'tier-1 tier without a DR drill: at the tier',
      code: NO_DRILL + SERVICES,
      errors: [{ line: 21, column: 3, path: '/tiers/tier1/dr_drill', message: 'tier1: no DR drill; tier-1 tiers need one at least quarterly (92d)' }],
    },
    {
      name: 'yearly drills: at the value',
      code: BASE_HEADER.replace('dr_drill: quarterly', 'dr_drill: yearly') + SERVICES,
      errors: [{ line: 21, column: 96, path: '/tiers/tier1/dr_drill', message: 'tier1: DR drills every year (366d) are less often than quarterly (92d)' }],
    },
    {
      name: 'an immutable tier (block style) with drills every 100d',
      code: NO_DRILL + '  vault:\n    rto: 1d\n    rpo: 1d\n    immutable: true\n    dr_drill: every 100d\n' + SERVICES,
      errors: [
        { line: 21, column: 3, path: '/tiers/tier1/dr_drill', message: 'tier1: no DR drill' },
        { line: 26, column: 15, path: '/tiers/vault/dr_drill', message: 'vault: DR drills every 100d (100d) are less often than quarterly (92d)' },
      ],
    },
    {
      name: 'a too-rare drill in defaults is reported at the tier',
      code: NO_DRILL + 'defaults:\n  dr_drill: yearly\n' + SERVICES,
      errors: [{ line: 21, column: 3, path: '/tiers/tier1/dr_drill', message: 'every year (366d)' }],
    },
  ],
});
