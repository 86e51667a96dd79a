/**
 * The docs family (policy-language.md §10): the markdown auditors and on-call engineers read.
 * View models are built in TypeScript (model.ts); the handlebars templates only lay them out and print
 * every policy value through `{{md x}}` (tables and prose) or `{{sh x}}` (commands inside code blocks).
 */
import type { Diagnostic } from '../../diagnostics.js';
import type { Policy, Service, Tier } from '../../model/types.js';
import { durationWords, formatDuration } from '../../parser/values.js';
import { FRAMEWORKS, frameworkOf, isTrueLabel, type FrameworkId } from '../../checker/rules/storage-facts.js';
import { byPath, ENV, inPart, metricsFileName, payloadName, regionEndpointVariable, SCRIPT_KINDS, servicePrefix, slug } from '../layout.js';
import { alertsFor, labelsText, restoreTestLabels } from '../monitoring/alerts.js';
import { compileTemplate, registerPartial } from '../templates.js';
import type { Artifact, EmitContext, EmitPart, Emitter } from '../types.js';
import {
  allFacts,
  approxWords,
  byName,
  checkpointLabel,
  checkpointMinutes,
  frequencyWords,
  groupByTier,
  recoveryOrder,
  retentionWords,
  tierLabel,
  words,
  type ServiceFacts,
} from './model.js';
import matrixSource from './templates/rto-rpo-matrix.md.hbs?raw';
import planSource from './templates/dr-plan.md.hbs?raw';
import checklistSource from './templates/dr-drill-checklist.md.hbs?raw';
import runbookSource from './templates/runbook.md.hbs?raw';
import complianceSource from './templates/compliance-report.md.hbs?raw';
import failoverSource from './templates/failover.md.hbs?raw';

type View = Record<string, unknown>;

const matrixTemplate = compileTemplate<View>(matrixSource);
const planTemplate = compileTemplate<View>(planSource);
const checklistTemplate = compileTemplate<View>(checklistSource);
const runbookTemplate = compileTemplate<View>(runbookSource);
const complianceTemplate = compileTemplate<View>(complianceSource);
// The restore steps of one service, shared by the DR plan and the runbooks (`{{> failover}}`).
registerPartial('failover', compileTemplate<View>(failoverSource));

export const DOCS_DIR = 'docs';

/** A runbook's path relative to docs/, as the other documents link to it. */
function runbookLink(name: string): string {
  return `runbooks/${slug(name)}.md`;
}

export function runbookPath(service: Pick<Service, 'name'>): string {
  return `${DOCS_DIR}/${runbookLink(service.name)}`;
}

/** Markdown fence longer than any backtick run in the values shown, so no value can close a code block. */
function fenceFor(view: object): string {
  const longest = longestBacktickRun(view, 0);
  runsOf.set(view, longest);
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * The longest backtick run of views that already have their fence: a runbook embeds its failover views,
 * which need not be walked again (each of 10,000 runbooks walked them twice).
 */
const runsOf = new WeakMap<object, number>();

/**
 * The longest run of backticks in any string of a view (what JSON.stringify would print), `fence`
 * properties aside (a nested view's own fence).
 */
function longestBacktickRun(value: unknown, longest: number): number {
  if (typeof value === 'string') {
    if (!value.includes('`')) return longest;
    for (const run of value.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
    return longest;
  }
  if (value === null || typeof value !== 'object') return longest;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) longest = longestBacktickRun(value[i], longest);
    return longest;
  }
  const known = runsOf.get(value);
  if (known !== undefined) return Math.max(longest, known);
  // for-in: views are plain objects (no inherited enumerable keys), and it allocates no key array.
  for (const key in value) {
    if (key.includes('`')) longest = longestBacktickRun(key, longest);
    if (key !== 'fence') longest = longestBacktickRun((value as Record<string, unknown>)[key], longest);
  }
  return longest;
}

function tierObjectives(tier: Tier): { label: string; value: string }[] {
  return [
    { label: 'RTO', value: words(tier.rto?.value.seconds) },
    { label: 'RPO', value: words(tier.rpo?.value.seconds) },
    { label: 'Retention', value: retentionWords(tier.retention?.value) },
    { label: 'Restore test', value: frequencyWords(tier.restoreTest?.value) },
    { label: 'DR drill', value: frequencyWords(tier.drDrill?.value) },
    { label: 'Min regions', value: tier.minRegions ? String(tier.minRegions.value) : 'none' },
    { label: 'Immutable', value: tier.immutable ? (tier.immutable.value ? 'yes' : 'no') : 'no' },
  ];
}

// ---------------------------------------------------------------------------------------------
// rto-rpo-matrix.md

function matrix(policy: Policy, facts: readonly ServiceFacts[]): string {
  const tiers = groupByTier(policy, facts).map((group) => ({
    heading: group.heading,
    objectives: group.tier ? tierObjectives(group.tier) : null,
    rows: group.services.map((f) => ({
      label: f.label,
      rto: f.rtoWords,
      rpo: f.rpoWords,
      frequency: f.frequencyWords,
      retention: f.retentionWords,
      regions: f.regionsWords,
      encryption: f.encryptionWords,
      restoreTest: f.service.restoreTest ? f.service.restoreTest.value.words : 'none',
      drill: f.drillWords,
      met: `RPO ${f.rpoVerdict}: ${f.rpoEvidence}. RTO ${f.rtoVerdict}: ${f.rtoEvidence}.`,
    })),
  }));
  return matrixTemplate({ policyName: policy.name, owner: policy.owner ?? 'unassigned', tiers });
}

// ---------------------------------------------------------------------------------------------
// Restore steps (dr-plan.md and runbooks)

function recoveryRegion(f: ServiceFacts, policy: Policy): { region: string; noReplica: boolean } {
  const replica = f.locations.find((l) => !l.primary);
  if (replica) return { region: replica.region, noReplica: false };
  if (f.service.kind === 'aws-backup' && policy.regions.secondary.length > 0) {
    return { region: policy.regions.secondary[0]!, noReplica: false };
  }
  const primary = f.locations[0]?.region ?? policy.regions.primary;
  return { region: primary, noReplica: true };
}

function failoverView(policy: Policy, f: ServiceFacts, region: string, noReplica: boolean): View {
  const primaryRegion = f.locations.find((l) => l.primary)?.region ?? null;
  const s = f.service;
  const database = s.postgresql?.database ?? s.mysql?.database ?? s.name;
  const view: View = {
    name: s.name,
    kind: s.kind,
    fromRegion: region,
    useRegion: region !== primaryRegion || f.service.kind === 'aws-backup',
    noReplica,
    restore: f.scripts.restore,
    targetDb: `${database}_restored`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48),
    targetDir: `/srv/restore/${s.name}`,
    pitr: s.postgresql?.pitr === true,
    pitrDir: `/var/lib/postgresql/restore-${s.name}`,
    pgbackrestConfig: `pgbackrest/${s.name}.conf`,
    paths: s.paths.length ? s.paths.join(', ') : 'none',
    sourceBucket: s.sourceBucket?.bucket ?? '',
    sourceRegion: s.sourceBucket?.region ?? '',
    schedule: s.name,
    scheduleSelector: `velero.io/schedule-name=${s.name}`,
    restoreManifest: `kubernetes/velero/restore-${s.name}.yaml`,
    namespaces: s.namespaces ? s.namespaces.include.join(', ') : 'none',
    vault: `${policy.name}-${region}`,
  };
  view.fence = fenceFor(view);
  return view;
}

// ---------------------------------------------------------------------------------------------
// dr-plan.md

function plan(policy: Policy, facts: readonly ServiceFacts[]): string {
  const tiers = [...policy.tiers.values()].sort(byName).map((tier) => ({
    label: tierLabel(tier),
    rto: words(tier.rto?.value.seconds),
    rpo: words(tier.rpo?.value.seconds),
    retention: retentionWords(tier.retention?.value),
    restoreTest: frequencyWords(tier.restoreTest?.value),
    drill: frequencyWords(tier.drDrill?.value),
    minRegions: tier.minRegions ? String(tier.minRegions.value) : 'none',
    immutable: tier.immutable?.value ? 'yes' : 'no',
    services: facts.filter((f) => f.service.tier?.name === tier.name).map((f) => f.name).join(', ') || 'none',
  }));
  const ordered = recoveryOrder(facts);
  const order = ordered.map((f, i) => ({
    position: i + 1,
    label: f.label,
    tier: f.tier,
    kind: f.kind,
    rto: f.rtoWords,
    rpo: f.rpoWords,
    estimate: f.estimate === null ? 'unknown' : approxWords(f.estimate),
    owner: f.owner,
    runbook: runbookLink(f.name),
    runbookLink: runbookLink(f.name),
  }));
  const byOwner = new Map<string, string[]>();
  for (const f of facts) {
    const names = byOwner.get(f.owner);
    if (names) names.push(f.name);
    else byOwner.set(f.owner, [f.name]);
  }
  const owners = [...byOwner.keys()].sort().map((owner) => ({ owner, services: byOwner.get(owner)!.join(', ') }));
  const usersOf = new Map<string, string[]>();
  for (const f of facts) {
    const target = f.service.storage?.name;
    if (target === undefined) continue;
    const names = usersOf.get(target);
    if (names) names.push(f.name);
    else usersOf.set(target, [f.name]);
  }
  const storage = [...policy.storage.values()].sort(byName).flatMap((target) => {
    const users = usersOf.get(target.name)?.join(', ') || 'none';
    const lock = target.objectLock ? `${target.objectLock.mode}, ${target.objectLock.days} days` : 'none';
    return [
      { name: target.name, region: target.region, bucket: target.bucket, role: 'primary', lock, services: users },
      ...target.replicas.map((r) => ({ name: target.name, region: r.region, bucket: r.bucket, role: 'replica', lock, services: users })),
    ];
  });
  // Each entry holds its steps' view (`{{> failover steps}}`) rather than a copy of it: no object spread
  // per service, and the view keeps the backtick run it was measured with.
  const failover = ordered.map((f, i) => {
    const { region, noReplica } = recoveryRegion(f, policy);
    return {
      steps: failoverView(policy, f, region, noReplica),
      kind: f.kind,
      position: i + 1,
      label: f.label,
      rto: f.rtoWords,
      rpo: f.rpoWords,
      from: region,
      runbook: runbookLink(f.name),
      runbookLink: runbookLink(f.name),
    };
  });
  const escalation: { position: number; text: string }[] = [];
  for (const f of ordered) escalation.push({ position: 0, text: `${f.name}: ${f.owner} (tier ${f.tier}, RTO ${f.rtoWords})` });
  escalation.push({ position: 0, text: `Policy owner, for decisions across services and when a service owner does not answer: ${policy.owner ?? 'unassigned'}` });
  escalation.forEach((e, i) => (e.position = i + 1));
  return planTemplate({
    policyName: policy.name,
    owner: policy.owner ?? 'unassigned',
    primaryRegion: policy.regions.primary,
    secondaryRegions: policy.regions.secondary.join(', ') || 'none',
    serviceCount: facts.length,
    scenario: policy.drills.scenario ?? `primary region (${policy.regions.primary}) outage`,
    tiers,
    order,
    owners,
    storage,
    failover,
    escalation,
  });
}

// ---------------------------------------------------------------------------------------------
// dr-drill-checklist.md

const DEFAULT_ROLES = ['incident-commander', 'database-lead', 'network-lead', 'comms-lead'];

function checklist(policy: Policy, facts: readonly ServiceFacts[]): string {
  const groups = groupByTier(policy, facts);
  const drillTiers = groups
    .filter((g) => g.tier?.drDrill)
    .map((g) => {
      const tier = g.tier!;
      const drill = tier.drDrill!.value;
      // The tier's RTO; without one, the strictest RTO of its services; else the brief's 1 hour.
      const rtos = g.services.map((f) => f.rto).filter((r): r is number => r !== null);
      const rto = tier.rto?.value.seconds ?? (rtos.length ? Math.min(...rtos) : 3600);
      const rpos = g.services.map((f) => f.rpo).filter((r): r is number => r !== null);
      const rpo = tier.rpo?.value.seconds ?? (rpos.length ? Math.min(...rpos) : null);
      const minutes = checkpointMinutes(rto);
      return {
        heading: g.heading,
        rto: durationWords(rto),
        rpo: words(rpo),
        rtoSeconds: rto,
        cadence: drill.words,
        cadenceGap: durationWords(drill.maxGapSeconds),
        serviceNames: g.services.map((f) => f.name).join(', ') || 'none',
        minutes,
        checkpoints: minutes.map(checkpointLabel),
        nextDrill: `${drill.words}, at most ${durationWords(drill.maxGapSeconds)} after this drill`,
        services: g.services.map((f) => ({
          label: f.label,
          rto: f.rtoWords,
          rpo: f.rpoWords,
          from: recoveryRegion(f, policy).region,
          estimate: f.estimate === null ? 'restore time unknown' : approxWords(f.estimate),
          runbookLink: runbookLink(f.name),
        })),
      };
    });
  const strictest = [...drillTiers].sort((a, b) => a.rtoSeconds - b.rtoSeconds)[0];
  const roles = policy.drills.roles.length ? policy.drills.roles : DEFAULT_ROLES;
  const recoveryRegions = [...new Set(facts.map((f) => recoveryRegion(f, policy).region))].sort();
  return checklistTemplate({
    policyName: policy.name,
    scenario: policy.drills.scenario ?? `primary region (${policy.regions.primary}) outage`,
    notice: policy.drills.notice ? durationWords(policy.drills.notice.seconds) : '14 days',
    roles,
    rolesText: roles.join(', '),
    primaryRegion: policy.regions.primary,
    strictest: strictest ? `${strictest.rto} (${strictest.heading})` : 'none',
    owners: [...new Set(facts.map((f) => f.owner))].sort().join(', ') || 'none',
    recoveryRegions: recoveryRegions.join(', ') || policy.regions.secondary.join(', ') || policy.regions.primary,
    drillTiers,
  });
}

// ---------------------------------------------------------------------------------------------
// runbooks/<service>.md

function whatIsBackedUp(s: Service): string {
  switch (s.kind) {
    case 'postgresql':
      return `PostgreSQL database ${s.postgresql?.database ?? '?'} on ${s.postgresql?.host ?? '?'}:${s.postgresql?.port ?? '?'}: logical dump (pg_dump -Fc)` +
        (s.postgresql?.pitr ? ', plus WAL archiving and base backups with pgBackRest' : '');
    case 'mysql':
      return `MySQL database ${s.mysql?.database ?? '?'} on ${s.mysql?.host ?? '?'}:${s.mysql?.port ?? '?'}: logical dump`;
    case 'files':
      return `files under ${s.paths.join(', ') || 'none'}${s.exclude.length ? ` (excluding ${s.exclude.join(', ')})` : ''}: tar archive`;
    case 's3-bucket':
      return `S3 bucket ${s.sourceBucket?.bucket ?? '?'} (${s.sourceBucket?.region ?? '?'}): versioning and replication, plus scheduled copies`;
    case 'kubernetes':
      return `Kubernetes namespaces ${s.namespaces?.include.join(', ') ?? '?'}${s.namespaces?.exclude.length ? ` (excluding ${s.namespaces.exclude.join(', ')})` : ''}: Velero schedules` +
        (s.snapshotVolumes ? ' with volume snapshots' : '');
    case 'aws-backup':
      return s.arns.length
        ? `AWS Backup of ${s.arns.join(', ')}`
        : `AWS Backup of resources tagged ${Object.keys(s.resources?.tags ?? {}).sort().map((k) => `${k}=${s.resources!.tags[k]}`).join(', ')}`;
  }
}

const HAS_SCRIPTS: ReadonlySet<string> = new Set(SCRIPT_KINDS);

function environment(policy: Policy, f: ServiceFacts): { name: string; purpose: string; value: string }[] {
  const s = f.service;
  const env: { name: string; purpose: string; value: string }[] = [];
  const cs = s.encryption.clientSide;
  if (cs?.method === 'age') env.push({ name: ENV.ageIdentityFile, purpose: 'restore and verify: decrypting (age identity file)', value: 'path to the private key file; never stored in the policy' });
  if (cs?.method === 'openssl' && cs.passphraseEnv) env.push({ name: cs.passphraseEnv, purpose: 'backup, restore and verify: openssl aes-256-cbc passphrase', value: 'the passphrase' });
  env.push({ name: 'AWS_PROFILE or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN', purpose: 'S3 and AWS API access', value: 'credentials with access to the backup buckets and KMS keys' });
  env.push({ name: 'AWS_REGION', purpose: 'default region of AWS calls', value: f.locations[0]?.region ?? policy.regions.primary });
  env.push({ name: ENV.endpointUrl, purpose: 'S3 endpoint override (optional)', value: 'unset for AWS' });
  for (const l of f.locations.filter((x) => !x.primary)) {
    env.push({ name: regionEndpointVariable(l.region), purpose: `S3 endpoint override for ${l.region} (optional)`, value: 'unset for AWS' });
  }
  if (s.kind === 'postgresql' && s.postgresql) {
    env.push({ name: 'PGHOST', purpose: 'PostgreSQL server (backup: the source; restore: the server receiving the new database)', value: `policy: ${s.postgresql.host}` });
    env.push({ name: 'PGPORT', purpose: 'PostgreSQL port', value: `policy: ${s.postgresql.port}` });
    env.push({ name: 'PGUSER', purpose: 'PostgreSQL user', value: `policy: ${s.postgresql.user}` });
    env.push({ name: 'PGPASSWORD or PGPASSFILE', purpose: 'PostgreSQL password', value: 'from your secret store' });
    env.push({ name: 'PGDATABASE', purpose: 'database backed up', value: `policy: ${s.postgresql.database}` });
    if (s.postgresql.pitr) env.push({ name: 'DRC_PGBACKREST_CONFIG', purpose: 'pgBackRest configuration for point-in-time recovery', value: `pgbackrest/${s.name}.conf (generated)` });
  }
  if (HAS_SCRIPTS.has(s.kind)) env.push({ name: ENV.textfileDir, purpose: 'where metrics are written (optional)', value: `policy: ${policy.monitoring.textfileDir}` });
  return env;
}

function runbook(policy: Policy, f: ServiceFacts): string {
  const s = f.service;
  const regions = [...new Set([...f.locations.map((l) => l.region), ...(s.kind === 'aws-backup' ? [policy.regions.primary, ...policy.regions.secondary] : [])])];
  const restores = (regions.length ? regions : [policy.regions.primary]).map((region, i) => ({
    steps: failoverView(policy, f, region, i === 0 && regions.length < 2),
    heading: i === 0 ? `From the primary region (${region})` : `From the replica in ${region}`,
  }));
  const scripted = HAS_SCRIPTS.has(s.kind);
  const verifySteps: string[] = [];
  if (s.kind === 'postgresql' || s.kind === 'mysql') {
    verifySteps.push('restore.sh compares the row count of every table in the new database with the counts the manifest recorded at backup time, and exits non-zero on any difference.');
  }
  if (s.kind === 'files') verifySteps.push('restore.sh checks the restored archive against the manifest (sha256 of the stored payload, number of entries).');
  if (scripted) {
    verifySteps.push(`${f.scripts.restoreTest} restores the latest backup into a scratch target, validates it, removes it and records the result (metrics and a record under ${servicePrefix(policy, s)}restore-tests/).`);
  }
  if (s.kind === 'kubernetes') verifySteps.push('velero restore describe --details: no errors or warnings; every restored workload becomes ready.');
  if (s.kind === 'aws-backup') verifySteps.push('aws backup describe-restore-job: status COMPLETED; then check the restored resource before switching traffic.');
  const runbookUrl = policy.monitoring.runbookUrl ? policy.monitoring.runbookUrl.split('{service}').join(s.name) : null;
  const view: View = {
    policyName: policy.name,
    runbookUrl,
    label: f.label,
    name: s.name,
    title: s.title ?? s.name,
    kind: s.kind,
    what: whatIsBackedUp(s),
    tier: f.tier,
    environment: f.environment,
    owner: f.owner,
    rto: f.rtoWords,
    rpo: f.rpoWords,
    rtoEvidence: f.rtoEvidence,
    rpoEvidence: f.rpoEvidence,
    frequency: f.frequencyWords,
    retention: f.retentionWords,
    restoreTest: f.restoreTestWords,
    restoreTestScript: scripted ? f.scripts.restoreTest : '',
    drill: f.drillWords,
    regions: f.regionsWords,
    regionsEvidence: `${f.regionsVerdict}: ${f.regions.length} (at least ${f.requiredRegions} required)`,
    encryption: f.encryptionWords,
    payload: payloadName(s),
    prefix: f.prefix,
    locations: f.locations.map((l) => ({ region: l.region, bucket: l.bucket, role: l.primary ? 'primary' : 'replica' })),
    restores,
    env: environment(policy, f),
    verifyScript: scripted ? f.scripts.verify : null,
    exampleKey: `${f.prefix}YYYYMMDDTHHMMSSZ/`,
    verifySteps,
    alerts: alertsFor(policy, s),
    awsBackupJobs: s.kind === 'aws-backup',
    // No script writes this service's restore-test metrics: the runbook shows how to record them.
    restoreTestRecord: scripted
      ? null
      : { textfileDir: policy.monitoring.textfileDir, file: metricsFileName(s, 'restore-test'), labels: labelsText(restoreTestLabels(policy, s)) },
  };
  view.fence = fenceFor(view);
  return runbookTemplate(view);
}

// ---------------------------------------------------------------------------------------------
// compliance-report.md

type RuleStatus = 'PASS' | 'FAIL' | 'ACCEPTED' | 'INFO';

function ruleStatus(found: Diagnostic[]): RuleStatus {
  const open = found.filter((d) => !d.suppressed);
  if (open.some((d) => d.severity !== 'info')) return 'FAIL';
  if (found.some((d) => d.suppressed)) return 'ACCEPTED';
  return open.length ? 'INFO' : 'PASS';
}

interface Control {
  control: string;
  source: string;
  rules: string[];
}

const FRAMEWORK_CONTROLS: Record<FrameworkId, Control[]> = {
  soc2: [
    { control: 'Restore test at least yearly (366 days); monthly for production', source: 'AICPA TSC A1.3 (recovery plan testing)', rules: ['restore-test-frequency'] },
    { control: 'Backups encrypted', source: 'AICPA TSC CC6.1, CC6.7', rules: ['encryption-required', 'client-side-encryption'] },
    { control: 'Copies in a second region', source: 'AICPA TSC A1.2 (recovery infrastructure)', rules: ['cross-region'] },
  ],
  'pci-dss': [
    { control: 'Retention at least 365 days, the last 90 days immediately available', source: 'PCI DSS v4.0.1 Req. 10.5.1', rules: ['retention-compliance'] },
    { control: 'Stored data encrypted', source: 'PCI DSS v4.0.1 Req. 3.5', rules: ['encryption-required', 'client-side-encryption'] },
  ],
  hipaa: [
    { control: 'Retention at least 6 years', source: '45 CFR 164.316(b)(2)(i)', rules: ['retention-compliance'] },
    { control: 'Data backup, disaster recovery and testing', source: '45 CFR 164.308(a)(7)', rules: ['restore-test-frequency', 'dr-drill-frequency', 'cross-region'] },
    { control: 'Encryption', source: '45 CFR 164.312(a)(2)(iv)', rules: ['encryption-required', 'client-side-encryption'] },
  ],
  sox: [{ control: 'Retention at least 7 years', source: '17 CFR 210.2-06', rules: ['retention-compliance'] }],
  'sec-17a-4': [
    { control: 'Retention at least 6 years', source: '17 CFR 240.17a-4(a)', rules: ['retention-compliance'] },
    { control: 'Non-rewriteable, non-erasable storage (object lock, compliance mode)', source: '17 CFR 240.17a-4(f)', rules: ['retention-compliance', 'immutable-backups'] },
  ],
  gdpr: [
    { control: 'No over-retention (storage limitation)', source: 'GDPR Art. 5(1)(e)', rules: ['retention-compliance'] },
    { control: 'Encryption and the ability to restore availability', source: 'GDPR Art. 32(1)(a), (c)', rules: ['encryption-required', 'restore-test-frequency'] },
  ],
};

function where(d: Diagnostic): string {
  return `${d.path || '/'} (line ${d.line})`;
}

function compliance(context: EmitContext, facts: readonly ServiceFacts[]): string {
  const { policy, diagnostics } = context;
  const metas = new Map(context.rules.map((r) => [r.id, r]));
  const ids = [...new Set([...metas.keys(), ...diagnostics.map((d) => d.rule)])].sort();
  const statusOf = new Map<string, RuleStatus>();
  const byRule = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const list = byRule.get(d.rule);
    if (list) list.push(d);
    else byRule.set(d.rule, [d]);
  }
  const rules = ids.map((id) => {
    const found = byRule.get(id) ?? [];
    const status = ruleStatus(found);
    statusOf.set(id, status);
    const meta = metas.get(id);
    return {
      id,
      severity: meta?.severity ?? found[0]?.severity ?? 'error',
      description: meta?.description ?? 'custom rule',
      status,
      findingCount: found.length,
      found,
    };
  });
  const counts = { pass: 0, fail: 0, accepted: 0, info: 0 };
  for (const r of rules) counts[r.status.toLowerCase() as keyof typeof counts]++;
  const findings = rules
    .filter((r) => r.found.length)
    .map((r) => ({
      rule: r.id,
      status: r.status,
      items: r.found.map((d) => ({
        severity: d.severity,
        where: where(d),
        message: d.hint ? `${d.message} (hint: ${d.hint})` : d.message,
        status: d.suppressed ? `accepted: ${d.suppressed.reason || 'no reason given'}` : d.severity === 'info' ? 'note' : 'open',
      })),
    }));
  const evidence = facts.map((f) => ({
    label: f.label,
    tier: f.tier,
    rpo: f.rpoWords,
    rpoCell: `${f.rpoVerdict}: ${f.mechanism ? f.mechanism : f.gap === null ? 'no schedule' : `${durationWords(f.gap)} longest gap`}`,
    rto: f.rtoWords,
    rtoCell: `${f.rtoVerdict}: ${f.estimate === null ? 'unknown (data_size or restore_rate not set)' : approxWords(f.estimate)}`,
    regions: f.regionsWords,
    regionsCell: `${f.regionsVerdict}: ${f.regions.length} (at least ${f.requiredRegions})`,
    encryptionCell: `${f.encrypted ? 'PASS' : 'FAIL'}: ${f.encryptionWords}`,
    restoreTestCell: `${f.restoreTestVerdict}: ${f.restoreTestWords}${f.restoreTestVerdict === 'N/A' ? ` (${f.environment}: monthly not required)` : ''}`,
  }));
  const frameworks = policy.compliance.frameworks
    .map((fw) => fw.value)
    .filter((v, i, all) => all.indexOf(v) === i)
    .sort()
    .map((written) => {
      const id = frameworkOf(written);
      const facts_ = id ? FRAMEWORKS.find((x) => x.id === id)! : null;
      if (!id || !facts_) {
        return { name: written, status: 'UNKNOWN', scope: 'drc knows no controls for this framework.', controls: [], services: [] };
      }
      const controls = FRAMEWORK_CONTROLS[id].map((c) => {
        const statuses = c.rules.map((r) => statusOf.get(r) ?? 'PASS');
        const status = statuses.includes('FAIL') ? 'FAIL' : statuses.includes('ACCEPTED') ? 'ACCEPTED' : 'PASS';
        return { control: c.control, source: c.source, rules: c.rules.join(', '), status };
      });
      const inScope = facts.filter(
        (f) => f.environment === 'production' || Object.keys(f.service.labels).some((k) => frameworkOf(k) === id && isTrueLabel(f.service.labels[k]!)),
      );
      const min = facts_.minRetentionSeconds;
      const services = min === null ? [] : inScope.map((f) => {
        const seconds = f.service.retention?.value.seconds ?? null;
        return {
          label: f.label,
          retention: f.retentionWords,
          minimum: `${durationWords(min)} (${formatDuration(min)})`,
          status: seconds === null ? 'UNKNOWN' : seconds >= min ? 'PASS' : 'FAIL',
        };
      });
      const status = controls.some((c) => c.status === 'FAIL') || services.some((s) => s.status === 'FAIL') ? 'FAIL'
        : controls.some((c) => c.status === 'ACCEPTED') ? 'ACCEPTED' : 'PASS';
      return {
        name: `${facts_.name} (${written})`,
        status,
        scope: `In scope: ${inScope.map((f) => f.name).join(', ') || 'no service'} (production services, and services labelled for ${facts_.name}).`,
        controls,
        services,
      };
    });
  return complianceTemplate({
    policyName: policy.name,
    policySha256: policy.sha256,
    counts,
    frameworkNames: frameworks.map((f) => f.name).join(', ') || 'none',
    rules,
    findings,
    evidence,
    frameworks,
  });
}

// ---------------------------------------------------------------------------------------------

/** The four documents (matrix, plan, drill checklist, compliance report), in path order. */
export const emitDocuments: Emitter = function* (context: EmitContext): Iterable<Artifact> {
  const { policy } = context;
  const facts = allFacts(policy);
  yield { path: `${DOCS_DIR}/compliance-report.md`, content: tidy(compliance(context, facts)) };
  yield { path: `${DOCS_DIR}/dr-drill-checklist.md`, content: tidy(checklist(policy, facts)) };
  yield { path: `${DOCS_DIR}/dr-plan.md`, content: tidy(plan(policy, facts)) };
  yield { path: `${DOCS_DIR}/rto-rpo-matrix.md`, content: tidy(matrix(policy, facts)) };
};

/**
 * One runbook per service, in path order, yielded as each is rendered: the build writes it at once, so
 * 10,000 runbooks are never in memory together. A family of its own so that a threaded build can
 * render them on one thread and the documents on the other.
 */
export const emitRunbooks: Emitter = function* (context: EmitContext, part?: EmitPart): Iterable<Artifact> {
  const { policy } = context;
  const runbooks = allFacts(policy).filter((_, i) => inPart(i, part)).map((f) => ({ path: runbookPath(f.service), facts: f }));
  runbooks.sort(byPath);
  for (const r of runbooks) yield { path: r.path, content: tidy(runbook(policy, r.facts)) };
};

/** The whole docs folder: the documents, then the runbooks. */
export const emit: Emitter = function* (context: EmitContext): Iterable<Artifact> {
  yield* emitDocuments(context);
  yield* emitRunbooks(context);
};

/**
 * One blank line at most between blocks, no trailing spaces, one final newline. Lines inside fenced code
 * blocks are left exactly as rendered (a quoted value may span lines).
 */
function tidy(markdown: string): string {
  // Most lines are kept as they are: runs of such lines are copied as one slice of the rendered text
  // (a string per line of a 66 MB docs family was most of its garbage-collection time).
  const pieces: string[] = []; // output lines, or runs of them, joined by '\n'
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0) pieces.push(markdown.slice(runStart, runEnd));
    runStart = -1;
  };
  const keep = (from: number, to: number) => {
    if (runStart >= 0 && from === runEnd + 1) runEnd = to;
    else {
      flush();
      runStart = from;
      runEnd = to;
    }
  };
  let fence: string | null = null;
  let previousBlank = true; // no blank line at the start
  let start = 0;
  while (start <= markdown.length) {
    let end = markdown.indexOf('\n', start);
    if (end < 0) end = markdown.length;
    const from = start;
    start = end + 1;
    if (fence !== null) {
      keep(from, end);
      previousBlank = end === from;
      if (markdown.charCodeAt(from) === 96) {
        const line = markdown.slice(from, end);
        if (line.startsWith(fence) && /^`+$/.test(line.trim())) fence = null;
      }
      continue;
    }
    let to = end;
    while (to > from && (markdown.charCodeAt(to - 1) === 32 || markdown.charCodeAt(to - 1) === 9)) to--;
    if (to > from && markdown.charCodeAt(from) === 96) {
      let ticks = 1;
      while (from + ticks < to && markdown.charCodeAt(from + ticks) === 96) ticks++;
      if (ticks >= 3) fence = '`'.repeat(ticks);
    }
    if (to === from && previousBlank) continue;
    if (to === end) keep(from, end);
    else {
      flush();
      pieces.push(markdown.slice(from, to));
    }
    previousBlank = to === from;
  }
  flush();
  // No blank lines at the end, one final newline.
  const text = pieces.join('\n');
  let length = text.length;
  while (length > 0 && text.charCodeAt(length - 1) === 10) length--;
  return `${length === text.length ? text : text.slice(0, length)}\n`;
}
