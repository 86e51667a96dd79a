import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER is 21 lines: the first service's name is on line 23, its `kind:` on line 24.
const service = (name: string, kind: string, block: string) =>
  `  ${name}:\n    kind: ${kind}\n${block}    owner: team\n    tier: tier1\n    schedule: daily at 02:00\n`;
const MYSQL = '    mysql: { host: db.internal, port: 3306, database: shop, user: backup }\n';
const PG = '    postgresql: { host: db.internal, port: 5432, database: shop, user: backup }\n';

testRule('backup-not-generated', {
  valid: [
    { name: 'postgresql gets scripts', code: `${BASE_HEADER}services:\n${service('shop-db', 'postgresql', PG)}` },
    { name: 'files get scripts', code: `${BASE_HEADER}services:\n${service('assets', 'files', '    paths: [/srv]\n')}` },
  ],
  invalid: [
    {
      name: 'a mysql service: a warning at its kind',
      code: `${BASE_HEADER}services:\n${service('shop-db', 'mysql', MYSQL)}`,
      errors: [
        {
          line: 24,
          column: 11,
          path: '/services/shop-db/kind',
          severity: 'warning',
          message: 'shop-db: drc build writes no backup job for kind mysql yet; nothing it generates backs this service up',
        },
      ],
    },
    {
      name: 'each mysql service, not the others',
      code: `${BASE_HEADER}services:\n${service('a', 'mysql', MYSQL)}${service('b', 'postgresql', PG)}${service('c', 'mysql', MYSQL)}`,
      errors: [
        { line: 24, path: '/services/a/kind', message: 'a: drc build writes no backup job' },
        { line: 36, path: '/services/c/kind', message: 'c: drc build writes no backup job' },
      ],
    },
  ],
});
