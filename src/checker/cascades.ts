/**
 * Findings that follow from a schema problem are not reported (policy-language.md §7, `schema`: "one
 * diagnostic per real problem, at the offending node; no cascades"). A misspelt `teir:` leaves the
 * service without a tier, so `objectives-defined` would report its RTO and RPO missing: one problem,
 * three findings. docs/schema.md lists the rules below.
 *
 * A schema problem *breaks* the part of the policy it sits in: a service, tier or storage target
 * (`/services/db`), or a top-level block (`/encryption`, `/defaults`). A finding of a semantic rule is
 * dropped when its own part is broken, or, for a service, when a part it inherits from is: its tier,
 * its storage, `defaults`, `encryption`, `regions` or `compliance` (policy-language.md §3). Problems at
 * the document's root (a missing `version`) break nothing: no rule reads what they concern.
 */
import { pointerSegment } from '../diagnostics.js';
import type { Policy } from '../model/types.js';

/**
 * Rules whose findings are problems of their own, never consequences: a value that does not parse, a
 * name that does not exist, a secret in the file. They are reported whatever else is wrong.
 */
const NEVER_CASCADES = new Set(['invalid-value', 'unknown-reference', 'plaintext-secret']);

/** Top-level blocks every service inherits from. */
const INHERITED_BLOCKS = ['/defaults', '/encryption', '/regions', '/compliance'];

/** The part of the policy a JSON pointer is in: `/services/db/rpo` → `/services/db`, `/encryption/kms_key` → `/encryption`. */
export function partOf(path: string): string {
  const segments = path.split('/');
  const depth = segments[1] === 'services' || segments[1] === 'tiers' || segments[1] === 'storage' ? 3 : 2;
  return segments.slice(0, depth).join('/');
}

function isUnder(part: string, broken: string): boolean {
  return part === broken || part.startsWith(`${broken}/`);
}

/**
 * A predicate telling whether a rule's finding at `path` follows from one of the schema problems at
 * `schemaPaths` (JSON pointers); null when there are none, so a clean policy pays nothing.
 */
export function cascadeFilter(schemaPaths: readonly string[], policy: Policy | null): ((rule: string, path: string) => boolean) | null {
  const broken = [...new Set(schemaPaths.filter((p) => p !== '').map(partOf))];
  if (broken.length === 0) return null;
  const isBroken = (part: string) => broken.some((b) => isUnder(part, b));
  const serviceParents = new Map<string, string[]>();
  for (const service of policy?.services ?? []) {
    const parents = [...INHERITED_BLOCKS];
    if (service.tierName) parents.push(`/tiers/${pointerSegment(service.tierName.value)}`);
    if (service.storageName) parents.push(`/storage/${pointerSegment(service.storageName.value)}`);
    serviceParents.set(`/services/${pointerSegment(service.name)}`, parents);
  }
  return (rule, path) => {
    if (NEVER_CASCADES.has(rule)) return false;
    const part = partOf(path);
    if (isBroken(part)) return true;
    return (serviceParents.get(part) ?? []).some(isBroken);
  };
}
