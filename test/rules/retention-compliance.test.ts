import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER is 21 lines; with `extra` lines before `services:`, `  db:` is on line 23 + extra, its body from line 29 + extra.
// tier1 has retention: 30d; storage `backups` has object_lock in compliance mode.
const db = (body: string, extra = '', header = BASE_HEADER) =>
  `${header}${extra}services:\n  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n    tier: tier1\n${body}`;
const withStorage = (lines: string) => BASE_HEADER.replace('tiers:\n', `${lines}tiers:\n`);
const GOVERNANCE = BASE_HEADER.replace('object_lock: { mode: compliance, days: 30 }', 'object_lock: { mode: governance, days: 30 }');
const NO_LOCK = BASE_HEADER.replace('    object_lock: { mode: compliance, days: 30 }\n', '');

testRule('retention-compliance', {
  valid: [
    { name: 'PCI label with a year of retention', code: db('    retention: 365d\n    labels: { pci: "true" }\n') },
    { name: 'no framework', code: db('') },
    { name: 'soc2 sets no retention minimum', code: db('', 'compliance:\n  frameworks: [soc2]\n') },
    { name: 'policy frameworks apply to production services only', code: db('    environment: staging\n', 'compliance:\n  frameworks: [hipaa]\n') },
    { name: 'a label set to "false"', code: db('    labels: { pci: "false", hipaa: "no" }\n') },
    { name: 'SEC 17a-4 with 6 years on compliance-mode object lock', code: db('    retention: 6y\n    labels: { sec-17a-4: "true" }\n') },
    { name: 'GDPR: one year is fine', code: db('    retention: 1y\n    labels: { gdpr: "true" }\n') },
    { name: 'GDPR: a documented reason', code: db('    retention: 3y\n    labels: { gdpr: "true", retention_reason: "contract requires 3 years" }\n') },
    { name: 'GDPR with SOX: 10y is under 3× 7y', code: db('    retention: 10y\n', 'compliance:\n  frameworks: [gdpr, sox]\n') },
    { name: 'PCI: GLACIER from 90 days on', code: db('    retention: 400d\n    labels: { pci: "true" }\n', '', withStorage('    transitions:\n      - { after: 90d, class: GLACIER }\n')) },
    { name: 'invalid retention: no cascade', code: db('    retention: 1 year\n    labels: { pci: "true" }\n') },
    {
      // Whole values, no merge (docs/decisions.md): the service's own labels replace those in defaults.
      name: 'own labels replace the labels in defaults',
      code: db('    labels: { team: payments }\n', 'defaults:\n  labels: { pci: "true" }\n'),
    },
  ],
  invalid: [
    {
      name: 'PCI label from defaults (policy-language.md §3: defaults may hold any service field)',
      code: db('', 'defaults:\n  labels: { pci: "true" }\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/retention', message: "db: retention 30d is below PCI DSS's minimum of 365d" }],
    },
    {
      name: 'PCI label, retention inherited from the tier',
      code: db('    labels: { pci: "true" }\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/retention', severity: 'error', message: "db: retention 30d is below PCI DSS's minimum of 365d (Req. 10.5.1)" }],
    },
    {
      name: 'policy frameworks: one finding per framework, at the own retention',
      code: db('    retention: 1y\n', 'compliance:\n  frameworks: [sox, hipaa]\n'),
      errors: [
        { line: 31, column: 16, path: '/services/db/retention', message: "db: retention 1y is below HIPAA's minimum of 6y (45 CFR 164.316(b)(2)(i))" },
        { line: 31, column: 16, path: '/services/db/retention', message: "db: retention 1y is below SOX's minimum of 7y (17 CFR 210.2-06)" },
      ],
    },
    {
      name: 'retention from defaults (tier without retention)',
      code: `${BASE_HEADER}defaults:\n  retention: 90d\nservices:\n  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n    rto: 4h\n    rpo: 1h\n    labels: { PCI-DSS: "true" }\n`,
      errors: [{ line: 25, column: 3, path: '/services/db/retention', message: 'retention 90d is below PCI DSS' }],
    },
    {
      name: 'PCI: archive before the 3 months immediately available',
      code: db('    retention: 400d\n    labels: { pci: "true" }\n', '', withStorage('    transitions:\n      - { after: 30d, class: GLACIER }\n')),
      errors: [
        { line: 31, path: '/services/db/retention', severity: 'warning', message: 'db: storage "backups" moves backups to GLACIER after 30d, but PCI DSS Req. 10.5.1 wants the most recent 90d immediately available' },
      ],
    },
    {
      name: 'SEC 17a-4 on governance-mode object lock',
      code: db('    retention: 6y\n    labels: { sec17a4: "true" }\n', '', GOVERNANCE),
      errors: [{ line: 29, path: '/services/db/retention', severity: 'error', message: 'db: SEC Rule 17a-4 requires WORM storage, but storage "backups" has object lock in governance mode' }],
    },
    {
      name: 'SEC 17a-4 without object lock and too short (same position: sorted by message)',
      code: db('    retention: 3y\n', 'compliance:\n  frameworks: [sec-17a-4]\n', NO_LOCK),
      errors: [
        { line: 30, path: '/services/db/retention', message: 'has no object lock' },
        { line: 30, path: '/services/db/retention', message: "retention 3y is below SEC Rule 17a-4's minimum of 6y (17 CFR 240.17a-4(a))" },
      ],
    },
    {
      name: 'GDPR alone: over a year without a reason',
      code: db('    retention: 2y\n    labels: { gdpr: "true" }\n'),
      errors: [{ line: 29, path: '/services/db/retention', severity: 'warning', message: 'db: retention 2y is over 1y; GDPR Art. 5(1)(e)' }],
    },
    {
      name: 'GDPR with PCI: over 3× the PCI minimum',
      code: db('    retention: 4y\n', 'compliance:\n  frameworks: [pci-dss, gdpr]\n'),
      errors: [{ line: 31, path: '/services/db/retention', severity: 'warning', message: "retention 4y is over 3× PCI DSS's minimum of 365d" }],
    },
  ],
});
