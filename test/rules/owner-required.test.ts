import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER is 21 lines; `db:` is line 23, its first field line 24. */
const svc = (body: string, header = BASE_HEADER) => `${header}services:\n  db:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n${body}`;

testRule('owner-required', {
  valid: [
    { name: 'owner on the service', code: svc('    owner: team-data\n') },
    { name: 'owner from defaults', code: svc('', BASE_HEADER + 'defaults:\n  owner: team-platform\n') },
    { name: 'an ill-typed owner is the schema\'s finding', code: svc('    owner: [a, b]\n') },
  ],
  invalid: [
    {
      name: 'no owner: a warning at the service (the policy owner does not count)',
      code: svc(''),
      errors: [{ line: 23, column: 3, path: '/services/db/owner', message: 'db: no owner to page', severity: 'warning' }],
    },
    {
      name: 'each service without an owner, in order',
      code: `${BASE_HEADER}services:\n  a:\n    kind: files\n    paths: [/a]\n    owner: team-a\n  b:\n    kind: files\n    paths: [/b]\n  c:\n    kind: files\n    paths: [/c]\n`,
      errors: [
        { line: 27, column: 3, path: '/services/b/owner', message: 'b: no owner' },
        { line: 30, column: 3, path: '/services/c/owner', message: 'c: no owner' },
      ],
    },
  ],
});
