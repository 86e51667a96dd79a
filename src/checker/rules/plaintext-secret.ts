import { pointer } from '../../diagnostics.js';
import type { Report, Rule } from '../rule.js';
import { secretKind, secretValueKind, type SecretKind } from './secret-patterns.js';

/** Deeper than the loader allows (64); a guard so the walk cannot exhaust the stack whatever it is given. */
const MAX_DEPTH = 128;

const HINT =
  'Remove the value from the policy and rotate it (it is in version control now); backups read credentials from the environment ' +
  '(PGPASSWORD or PGPASSFILE, AWS_* variables, DRC_AGE_IDENTITY_FILE, and the variable named by client_side.passphrase_env).';

/** Reports values that look like secrets anywhere in the policy, without repeating the secret. */
export const rule: Rule = {
  meta: {
    id: 'plaintext-secret',
    severity: 'error',
    description: 'A value that looks like a secret (password, AWS key, private key, AGE-SECRET-KEY, URL with a password) anywhere in the policy.',
    rationale:
      'A policy lives in version control and is copied into generated scripts, docs and CI logs, so a secret written into it is disclosed to everyone who can read any of those, ' +
      'and stays in the history after it is removed. drc takes every credential from the environment instead: libpq\'s `PGPASSWORD`/`PGPASSFILE`, ' +
      'the AWS CLI\'s `AWS_*` variables, `DRC_AGE_IDENTITY_FILE` for the age identity, and the variable named by `client_side.passphrase_env` for openssl. ' +
      'Private keys never appear in a policy: `client_side.recipients` holds age *public* keys (`age1…`).\n\n' +
      'What is reported, in keys and string values at any depth:\n\n' +
      '- a non-empty value under a key named like a secret: `password`, `passwd`, `secret`, `secret_key`, `token`, `api_key`, `private_key`, `access_key`, `passphrase` ' +
      '(also with a prefix, e.g. `db_password`); keys ending in `_env` or `_file` (e.g. `passphrase_env`) name a variable or file and are fine, ' +
      'and so are values that are themselves references (`${VAR}`, `env:NAME`);\n' +
      '- an AWS access key id (`AKIA…`/`ASIA…` followed by 16 upper-case letters or digits) anywhere, and a 40-character secret access key under an `aws_secret…` key;\n' +
      '- a PEM private key (`-----BEGIN … PRIVATE KEY-----`);\n' +
      '- an age identity (`AGE-SECRET-KEY-1…`);\n' +
      '- a URL with a password in it (`scheme://user:password@host`).\n\n' +
      'The message names the pointer and the kind of secret, never the value.',
    sources: [
      { title: 'AWS: best practices for managing AWS access keys', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html' },
      { title: 'AWS: IAM access key id prefixes (AKIA long-term, ASIA temporary)', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html' },
      { title: 'PostgreSQL: libpq environment variables (PGPASSWORD, PGPASSFILE)', url: 'https://www.postgresql.org/docs/current/libpq-envars.html' },
      { title: 'age file encryption format: X25519 identities (AGE-SECRET-KEY-1)', url: 'https://age-encryption.org/v1' },
      { title: 'RFC 3986 §3.2.1: use of user:password in URIs is deprecated', url: 'https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1' },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup, password: hunter2hunter2 }\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }   # PGPASSWORD from the environment\n',
    },
  },
  check(policy, report) {
    new Walker(report).walk(policy.raw, 0);
  },
};

class Walker {
  /** Pointer segments of the node being visited; joined only when something is found. */
  private readonly path: string[] = [];

  constructor(private readonly report: Report) {}

  walk(node: unknown, depth: number): void {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const value = node[i];
        this.path.push(String(i));
        if (typeof value === 'string') {
          const kind = secretValueKind(value);
          if (kind !== null) this.found(kind, false);
        } else if (value !== null && typeof value === 'object') {
          this.walk(value, depth + 1);
        }
        this.path.pop();
      }
      return;
    }
    const record = node as Record<string, unknown>;
    for (const key in record) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      const value = record[key];
      // A key that is itself a secret is reported at its mapping, so the pointer does not repeat it.
      const keyKind = secretValueKind(key);
      if (keyKind !== null) this.found(keyKind, true);
      this.path.push(key);
      if (typeof value === 'string') {
        const kind = secretKind(key, value);
        if (kind !== null) this.found(kind, false);
      } else if (value !== null && typeof value === 'object') {
        this.walk(value, depth + 1);
      }
      this.path.pop();
    }
  }

  private found(kind: SecretKind, inKey: boolean): void {
    const path = pointer(...this.path);
    const where = inKey ? `a key of ${path === '' ? 'the document root' : path}` : path;
    this.report({
      path,
      message: `plaintext secret in ${where} (${kind}): reference it from the environment instead`,
      hint: HINT,
      ...(inKey && path !== '' ? { atKey: true } : {}),
    });
  }
}
