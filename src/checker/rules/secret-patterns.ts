/**
 * What a plaintext secret looks like (used by the plaintext-secret rule). Every pattern is compiled
 * once; a string is tested with one combined regular expression, and keys are classified once each.
 */

/** The kinds of secret the rule names in its message (never the secret itself). */
export type SecretKind =
  | 'a password'
  | 'a secret'
  | 'a token'
  | 'an API key'
  | 'a private key'
  | 'an access key'
  | 'a passphrase'
  | 'an AWS access key id'
  | 'an AWS secret access key'
  | 'a PEM private key'
  | 'an AGE-SECRET-KEY'
  | 'a URL with an inline password';

/** Shorter strings are not tested against the value patterns (the shortest, a URL `s://u:pw@h`, has 10 characters). */
export const MIN_PATTERN_LENGTH = 10;

/** A cheap pre-filter: every value pattern contains one of these fixed strings. */
const PREFILTER = /AKIA|ASIA|-----BEGIN|AGE-SECRET-KEY-1|:\/\//;

/**
 * One pass over a string finds any of the value patterns; the capture group that matched names the kind.
 * 1: AWS access key id, 2: PEM private key header, 3: age identity, 4: URL userinfo password.
 */
const VALUE_PATTERN =
  /\b((?:AKIA|ASIA)[A-Z0-9]{16})\b|(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----)|(AGE-SECRET-KEY-1[0-9A-Z]{8,})|[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*:([^\s/?#@]+)@/;

/** A password part of a URL that is a reference, not a secret: $VAR, ${VAR}, {{var}}, <password>, ***. */
const PLACEHOLDER = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[^>]*>|\*+)$/;

/** A key-named secret whose value is a reference rather than the secret: $VAR, ${VAR}, env:NAME, file:..., vault:... */
const REFERENCE_VALUE = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[^>]*>|\*+|(?:env|file|vault|secret|arn|ssm|op|awssm|gcpsm|aws-sm):.*)$/i;

/** 40 characters of base64 alphabet: the shape of an AWS secret access key. */
const AWS_SECRET_VALUE = /^[A-Za-z0-9/+=]{40}$/;

/** Keys whose value names a variable or file holding the secret, not the secret itself. */
const REFERENCE_KEY = /(?:_env|_file|_path|_var|_variable|_ref|_name|_id|_arn|_url)$/;

/** Key words that hold secrets, by the kind the message names. Matched against the last words of a snake_case key. */
const KEY_KINDS: [RegExp, SecretKind][] = [
  [/(?:^|_)aws_secret(?:_access)?(?:_key)?$|(?:^|_)secret_access_key$/, 'an AWS secret access key'],
  [/(?:^|_)(?:password|passwd|pwd)$/, 'a password'],
  [/(?:^|_)passphrase$/, 'a passphrase'],
  [/(?:^|_)private_key$/, 'a private key'],
  [/(?:^|_)(?:api_key|apikey)$/, 'an API key'],
  [/(?:^|_)access_key$/, 'an access key'],
  [/(?:^|_)(?:secret|secret_key|client_secret)$/, 'a secret'],
  [/(?:^|_)(?:token|auth_token|access_token|bearer_token)$/, 'a token'],
];

const keyCache = new Map<string, SecretKind | null>();

/** The kind of secret a mapping key announces (`password`, `db_password`, `api_key`, …), or null; cached per key. */
export function secretKeyKind(key: string): SecretKind | null {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  let kind: SecretKind | null = null;
  const normal = key.toLowerCase().replace(/[-.\s]/g, '_');
  if (!REFERENCE_KEY.test(normal)) {
    for (const [pattern, k] of KEY_KINDS) {
      if (pattern.test(normal)) {
        kind = k;
        break;
      }
    }
  }
  if (keyCache.size < 10_000) keyCache.set(key, kind);
  return kind;
}

/** The kind of secret a string contains by its shape alone, or null. Cheap: one regex, short strings skipped. */
export function secretValueKind(value: string): SecretKind | null {
  if (value.length < MIN_PATTERN_LENGTH || !PREFILTER.test(value)) return null;
  const m = VALUE_PATTERN.exec(value);
  if (m === null) return null;
  if (m[1] !== undefined) return 'an AWS access key id';
  if (m[2] !== undefined) return 'a PEM private key';
  if (m[3] !== undefined) return 'an AGE-SECRET-KEY';
  if (m[4] !== undefined) return PLACEHOLDER.test(m[4]) ? urlRetry(value, m.index + m[0].length) : 'a URL with an inline password';
  return null;
}

/** After a placeholder URL password, look for another secret further on (rare path). */
function urlRetry(value: string, from: number): SecretKind | null {
  return from < value.length ? secretValueKind(value.slice(from)) : null;
}

/** The kind of secret a key/value pair holds: the value's own shape first, then the key's name. */
export function secretKind(key: string | null, value: string): SecretKind | null {
  const byValue = secretValueKind(value);
  if (byValue !== null) return byValue;
  if (key === null || value.length === 0) return null;
  const byKey = secretKeyKind(key);
  if (byKey === null) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0 || REFERENCE_VALUE.test(trimmed)) return null;
  if (byKey === 'an AWS secret access key' && !AWS_SECRET_VALUE.test(trimmed)) return 'a secret';
  return byKey;
}
