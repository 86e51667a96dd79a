/** CloudFormation logical ids and IAM statement ids: alphanumeric, deterministic (layout.logicalId). */
import { logicalId } from '../layout.js';

/** layout.logicalId of any text (aliases and bucket names may hold `/`, `.` or `_`). */
export function logicalIdFor(...parts: string[]): string {
  return logicalId(...parts.map((p) => p.replace(/[^A-Za-z0-9]+/g, '-')));
}
