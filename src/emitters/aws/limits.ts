/**
 * CloudFormation's per-template quotas, as cfn-lint 1.x checks them (E1002 template size, E3001-family
 * counts): a stack past one of them cannot be deployed. drc does not split stacks (docs/artifacts/aws.md),
 * so the build says so instead of writing a template that fails only at deployment.
 */
export const CLOUDFORMATION_LIMITS = {
  /** Bytes of a template body uploaded through S3 (cfn-lint's figure; AWS documents "1 MB"). */
  bodyBytes: 1_000_000,
  resources: 500,
  outputs: 200,
  parameters: 200,
} as const;

const count = (section: unknown) => (section && typeof section === 'object' ? Object.keys(section).length : 0);

/** What about a template (the data and its text) exceeds CloudFormation's quotas; null when nothing does. */
export function stackLimitWarning(template: Record<string, unknown>, text: string): string | null {
  const over: string[] = [];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > CLOUDFORMATION_LIMITS.bodyBytes) over.push(`${bytes.toLocaleString('en-US')} bytes (at most ${CLOUDFORMATION_LIMITS.bodyBytes.toLocaleString('en-US')})`);
  for (const [section, limit] of [['Resources', CLOUDFORMATION_LIMITS.resources], ['Outputs', CLOUDFORMATION_LIMITS.outputs], ['Parameters', CLOUDFORMATION_LIMITS.parameters]] as const) {
    const n = count(template[section]);
    if (n > limit) over.push(`${n.toLocaleString('en-US')} ${section.toLowerCase()} (at most ${limit})`);
  }
  if (over.length === 0) return null;
  return (
    `${over.join(', ')}: CloudFormation cannot deploy this stack. ` +
    'Apply aws/s3-lifecycle/*.json and aws/iam/*.json directly, or split the services over several policies (docs/artifacts/aws.md).'
  );
}
