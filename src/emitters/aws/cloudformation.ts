/**
 * CloudFormation templates (built as objects; serialised with toYaml by index.ts):
 * - `backup-stack.yaml` for the policy's primary region: the buckets in that region, the IAM
 *   roles (IAM is global), the AWS Backup vaults, plan, selections and alarms;
 * - `replica-<region>.yaml` for every other region: the buckets there (replicas) and the backup
 *   vaults that cross-region copies target. Deploy these first: replication and copy actions
 *   need their destinations to exist.
 * The S3 configuration comes from bucket-config.ts (S3 API shapes) through small converters to
 * CloudFormation's property names (aws-facts §4.1), so `drc verify` and the stack agree.
 */
import type { Policy, Service, StorageTarget, Tier } from '../../model/types.js';
import {
  bucketEncryption,
  lifecycleConfiguration,
  objectLockConfiguration,
  publicAccessBlock,
  replicationConfiguration,
  retentionDays,
  type LifecycleConfiguration,
  type ReplicationConfiguration,
  type ServerSideEncryptionConfiguration,
} from './bucket-config.js';
import { backupScheduleExpressions } from './cron.js';
import { accessPolicies, allBuckets, replicationRolePolicy, type PolicyDocument } from './iam.js';
import { fit, logicalId, primaryRegion } from '../layout.js';
import { sortedServices } from './names.js';

type Json = unknown;
type Resources = Record<string, Json>;

const ref = (name: string) => ({ Ref: name });
const getAtt = (name: string, attribute: string) => ({ 'Fn::GetAtt': [name, attribute] });
const sub = (text: string) => ({ 'Fn::Sub': text });

// ------------------------------------------------------------------------------------------
// S3 API shape → CloudFormation shape

export function cfnLifecycle(config: LifecycleConfiguration): { Rules: Json[] } {
  return {
    Rules: config.Rules.map((r) => {
      const out: Record<string, Json> = { Id: r.ID, Status: r.Status };
      const prefix = r.Filter.And?.Prefix ?? r.Filter.Prefix;
      if (prefix) out.Prefix = prefix;
      if (r.Filter.And) out.TagFilters = r.Filter.And.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
      if (r.Transitions) out.Transitions = r.Transitions.map((t) => ({ StorageClass: t.StorageClass, TransitionInDays: t.Days }));
      if (r.Expiration && 'Days' in r.Expiration) out.ExpirationInDays = r.Expiration.Days;
      if (r.Expiration && 'ExpiredObjectDeleteMarker' in r.Expiration) out.ExpiredObjectDeleteMarker = true;
      if (r.NoncurrentVersionExpiration) out.NoncurrentVersionExpiration = { NoncurrentDays: r.NoncurrentVersionExpiration.NoncurrentDays };
      if (r.AbortIncompleteMultipartUpload) out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: r.AbortIncompleteMultipartUpload.DaysAfterInitiation };
      return out;
    }),
  };
}

export function cfnEncryption(config: ServerSideEncryptionConfiguration): Json {
  return {
    ServerSideEncryptionConfiguration: config.Rules.map((r) => {
      const out: Record<string, Json> = { ServerSideEncryptionByDefault: { ...r.ApplyServerSideEncryptionByDefault } };
      if (r.BucketKeyEnabled !== undefined) out.BucketKeyEnabled = r.BucketKeyEnabled;
      return out;
    }),
  };
}

export function cfnReplication(config: ReplicationConfiguration<Json>): Json {
  return {
    Role: config.Role,
    Rules: config.Rules.map((r) => {
      const { ID, ...rest } = r;
      return { Id: ID, ...rest };
    }),
  };
}

// ------------------------------------------------------------------------------------------
// Buckets

/** Buckets of every storage in `region`, each with the storage that owns it (first by name wins). */
function bucketsIn(policy: Policy, region: string) {
  return allBuckets(policy)
    .filter((b) => b.region === region)
    .map((b) => ({ ...b, storage: policy.storage.get(b.storage)! }));
}

export const ids = {
  bucket: (bucket: string) => logicalId('bucket', bucket),
  replicationRole: (storage: string) => logicalId('replication-role', storage),
  vault: (tier: string) => logicalId('backup-vault', tier),
};

function bucketResources(policy: Policy, region: string, resources: Resources): void {
  for (const b of bucketsIn(policy, region)) {
    const storage: StorageTarget = b.storage;
    const props: Record<string, Json> = {
      BucketName: b.bucket,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: cfnEncryption(bucketEncryption(policy, storage, b.bucket)),
      PublicAccessBlockConfiguration: publicAccessBlock(),
    };
    const lock = objectLockConfiguration(storage, b.bucket);
    if (lock) {
      props.ObjectLockEnabled = true;
      props.ObjectLockConfiguration = lock;
    }
    props.LifecycleConfiguration = cfnLifecycle(lifecycleConfiguration(policy, storage, b.bucket));
    if (b.primary) {
      const replication = replicationConfiguration<Json>(policy, storage, getAtt(ids.replicationRole(storage.name), 'Arn'));
      if (replication) {
        props.ReplicationConfiguration = cfnReplication(replication);
        resources[ids.replicationRole(storage.name)] = {
          Type: 'AWS::IAM::Role',
          Properties: {
            Description: `drc: S3 replication of ${storage.bucket} to its replicas`,
            AssumeRolePolicyDocument: trust({ Service: 's3.amazonaws.com' }),
            Policies: [{ PolicyName: 'replication', PolicyDocument: replicationRolePolicy(policy, storage.name) }],
          },
        };
      }
    }
    resources[ids.bucket(b.bucket)] = {
      Type: 'AWS::S3::Bucket',
      // Backups outlive the stack: deleting or replacing the stack never deletes a bucket.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: props,
    };
  }
}

function trust(principal: Record<string, Json>) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] };
}

// ------------------------------------------------------------------------------------------
// IAM roles for the scripts and drc verify

function accessRoles(policy: Policy, resources: Resources, outputs: Record<string, Json>): void {
  const documents = accessPolicies(policy);
  const roles: [string, string, PolicyDocument][] = [
    ['backup-writer', 'backup.sh: write backups, never delete', documents['backup-writer']],
    ['restore-reader', 'restore.sh / verify.sh: read backups', documents['restore-reader']],
    ['verify-reader', 'drc verify: read bucket configuration and backups', documents['verify-reader']],
  ];
  for (const [name, description, document] of roles) {
    if (document.Statement.length === 0) continue;
    const policyId = logicalId(name, 'policy');
    const roleId = logicalId(name, 'role');
    resources[policyId] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { Description: `drc ${policy.name}: ${description}`, PolicyDocument: document } };
    resources[roleId] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `drc ${policy.name}: ${description}`,
        // Any principal of this account that is itself allowed sts:AssumeRole on this role.
        AssumeRolePolicyDocument: trust({ AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') }),
        ManagedPolicyArns: [ref(policyId)],
      },
    };
    outputs[logicalId(name, 'role-arn')] = { Description: `${description} (role)`, Value: getAtt(roleId, 'Arn') };
    outputs[logicalId(name, 'policy-arn')] = { Description: `${description} (managed policy)`, Value: ref(policyId) };
  }
}

// ------------------------------------------------------------------------------------------
// AWS Backup

/** Longest AWS Backup retention for a continuous (PITR) rule. */
export const CONTINUOUS_MAX_DAYS = 35;
/** Recovery points must stay in cold storage at least this long. */
export const COLD_MIN_DAYS = 90;

export function awsBackupServices(policy: Policy): Service[] {
  return sortedServices(policy).filter((s) => s.kind === 'aws-backup');
}

/** The vault a service's recovery points go to: one per tier (`drc-<policy>-<tier>`), at most 50 characters. */
export function vaultName(policy: Policy, service: Service): string {
  const tier = service.tier?.name ?? 'default';
  return fit(`drc-${policy.name}-${tier}`, 50);
}

/**
 * A service's backup plan. One plan per service: AWS Backup applies every rule of a plan to every
 * resource any of its selections assigns, so one plan for all services would back up each service's
 * resources on every other service's schedule and retention.
 */
export function planName(policy: Policy, service: Service): string {
  return fit(`drc-${policy.name}-${service.name}`, 50);
}

/** Regions a service's recovery points are copied to: its regions other than the plan's region. */
export function copyRegions(policy: Policy, service: Service): string[] {
  const home = primaryRegion(policy);
  return [...new Set(service.regions.filter((r) => r && r !== home))].sort();
}

/** Days before cold storage: the storage's first GLACIER/DEEP_ARCHIVE transition, when it leaves ≥ 90 days before deletion. */
function coldDays(service: Service, deleteDays: number | null): number | null {
  const cold = service.storage?.transitions.find((t) => t.class === 'GLACIER' || t.class === 'DEEP_ARCHIVE');
  if (!cold || deleteDays === null) return null;
  const days = Math.ceil(cold.after.seconds / 86_400);
  return deleteDays >= days + COLD_MIN_DAYS ? days : null;
}

interface PlannedRule {
  service: Service;
  vault: string;
  rule: Record<string, Json>;
  deleteDays: number | null;
}

function planRules(policy: Policy, service: Service): PlannedRule[] {
  const vault = vaultName(policy, service);
  const tz = service.timezone ?? policy.timezone ?? 'Etc/UTC';
  const deleteDays = retentionDays(service);
  const lifecycle = (days: number | null, cold: number | null) => {
    if (days === null) return undefined;
    return cold === null ? { DeleteAfterDays: days } : { MoveToColdStorageAfterDays: cold, DeleteAfterDays: days };
  };
  const cold = coldDays(service, deleteDays);
  const copies = copyRegions(policy, service).map((region) => {
    const copy: Record<string, Json> = {
      DestinationBackupVaultArn: sub(`arn:\${AWS::Partition}:backup:${region}:\${AWS::AccountId}:backup-vault:${vault}`),
    };
    const l = lifecycle(deleteDays, cold);
    if (l) copy.Lifecycle = l;
    return copy;
  });
  const schedule = service.schedule?.value;
  const expressions = schedule ? backupScheduleExpressions(schedule) : ['cron(0 5 ? * * *)'];
  const out: PlannedRule[] = expressions.map((expression, i) => {
    const rule: Record<string, Json> = {
      RuleName: fit(i === 0 ? service.name : `${service.name}-${i + 1}`, 50),
      TargetBackupVault: ref(ids.vault(service.tier?.name ?? 'default')),
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: tz,
      StartWindowMinutes: 60,
      CompletionWindowMinutes: completionWindow(service),
    };
    const l = lifecycle(deleteDays, cold);
    if (l) rule.Lifecycle = l;
    if (copies.length) rule.CopyActions = copies;
    rule.RecoveryPointTags = { 'drc-policy': policy.name, 'drc-service': service.name };
    return { service, vault, rule, deleteDays };
  });
  if (service.continuous?.value) {
    const days = Math.min(deleteDays ?? CONTINUOUS_MAX_DAYS, CONTINUOUS_MAX_DAYS);
    out.push({
      service,
      vault,
      deleteDays: days,
      rule: {
        RuleName: fit(`${service.name}-continuous`, 50),
        TargetBackupVault: ref(ids.vault(service.tier?.name ?? 'default')),
        ScheduleExpression: expressions[0]!,
        ScheduleExpressionTimezone: tz,
        StartWindowMinutes: 60,
        CompletionWindowMinutes: completionWindow(service),
        EnableContinuousBackup: true,
        Lifecycle: { DeleteAfterDays: days },
        RecoveryPointTags: { 'drc-policy': policy.name, 'drc-service': service.name },
      },
    });
  }
  return out;
}

/** A job may run until the next one is due (at least 2 hours, at most 7 days). */
function completionWindow(service: Service): number {
  const gap = service.schedule?.value.minGapSeconds ?? 86_400;
  return Math.min(10_080, Math.max(120, Math.floor(gap / 60)));
}

/** Vault lock for immutable tiers: compliance mode (ChangeableForDays 3) when any of its services' storage locks in compliance mode or the policy claims SEC 17a-4. */
function vaultLock(policy: Policy, rules: PlannedRule[]): Json | undefined {
  const immutable = rules.some((r) => r.service.immutable?.value === true);
  if (!immutable) return undefined;
  const days = rules.map((r) => r.deleteDays).filter((d): d is number => d !== null);
  const lock: Record<string, Json> = { MinRetentionDays: days.length ? Math.min(...days) : 1 };
  const compliance =
    rules.some((r) => r.service.storage?.objectLock?.mode === 'compliance') ||
    policy.compliance.frameworks.some((f) => f.value === 'sec-17a-4');
  if (compliance) lock.ChangeableForDays = 3;
  return lock;
}

function vaultResource(name: string, lock: Json | undefined, tier: Tier | null): Json {
  const props: Record<string, Json> = { BackupVaultName: name };
  if (lock) props.LockConfiguration = lock;
  props.BackupVaultTags = { 'drc-tier': tier?.name ?? 'default' };
  return { Type: 'AWS::Backup::BackupVault', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: props };
}

/** Vault name → the planned rules targeting it, sorted by vault name. */
function rulesByVault(policy: Policy): Map<string, PlannedRule[]> {
  const byVault = new Map<string, PlannedRule[]>();
  for (const service of awsBackupServices(policy)) {
    for (const r of planRules(policy, service)) {
      if (!byVault.has(r.vault)) byVault.set(r.vault, []);
      byVault.get(r.vault)!.push(r);
    }
  }
  return new Map([...byVault.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const BACKUP_ALARMS: [metric: string, id: string, description: string][] = [
  ['NumberOfBackupJobsFailed', 'backup-jobs-failed', 'an AWS Backup job failed'],
  ['NumberOfBackupJobsExpired', 'backup-jobs-expired', 'an AWS Backup job did not start inside its start window'],
  ['NumberOfCopyJobsFailed', 'copy-jobs-failed', 'a cross-region copy job failed'],
];

/**
 * The resources a service's plan backs up. AWS Backup ORs `ListOfTags` and ANDs `Conditions`
 * (aws-facts §3.6): one tag is a `ListOfTags` entry; several tags must all match, so they become
 * `Conditions` on the service's ARNs, or on every resource (`*`) when it names none.
 */
function backupSelection(service: Service): Record<string, Json> {
  const selection: Record<string, Json> = { SelectionName: fit(service.name, 50), IamRoleArn: getAtt('BackupServiceRole', 'Arn') };
  const tags = service.resources?.tags ?? {};
  const keys = Object.keys(tags).sort();
  const arns = [...service.arns].sort();
  if (keys.length === 1) selection.ListOfTags = [{ ConditionType: 'STRINGEQUALS', ConditionKey: keys[0]!, ConditionValue: tags[keys[0]!]! }];
  if (keys.length > 1) {
    selection.Resources = arns.length ? arns : ['*'];
    selection.Conditions = { StringEquals: keys.map((k) => ({ ConditionKey: `aws:ResourceTag/${k}`, ConditionValue: tags[k]! })) };
  } else if (arns.length) {
    selection.Resources = arns;
  }
  return selection;
}

function awsBackupResources(policy: Policy, resources: Resources, template: Record<string, Json>): void {
  const services = awsBackupServices(policy);
  if (services.length === 0) return;
  const byVault = rulesByVault(policy);
  const allRules = [...byVault.values()].flat();
  for (const [name, rules] of byVault) {
    const tier = rules[0]!.service.tier;
    resources[ids.vault(tier?.name ?? 'default')] = vaultResource(name, vaultLock(policy, rules), tier);
  }
  resources.BackupServiceRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `drc ${policy.name}: AWS Backup service role`,
      AssumeRolePolicyDocument: trust({ Service: 'backup.amazonaws.com' }),
      ManagedPolicyArns: [
        'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
        'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
        'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup',
        'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore',
      ],
    },
  };
  const rulesOf = new Map<Service, Json[]>();
  for (const r of allRules) {
    const list = rulesOf.get(r.service);
    if (list) list.push(r.rule);
    else rulesOf.set(r.service, [r.rule]);
  }
  for (const service of services) {
    const plan = logicalId('backup-plan', service.name);
    resources[plan] = {
      Type: 'AWS::Backup::BackupPlan',
      Properties: {
        BackupPlan: { BackupPlanName: planName(policy, service), BackupPlanRule: rulesOf.get(service) ?? [] },
        BackupPlanTags: { 'drc-policy': policy.name, 'drc-service': service.name },
      },
    };
    resources[logicalId('backup-selection', service.name)] = {
      Type: 'AWS::Backup::BackupSelection',
      Properties: { BackupPlanId: ref(plan), BackupSelection: backupSelection(service) },
    };
  }
  const hasCopies = allRules.some((r) => r.rule.CopyActions !== undefined);
  template.Parameters = {
    AlarmTopicArn: {
      Type: 'String',
      Default: '',
      Description: 'SNS topic notified by the AWS Backup alarms (empty: alarms without actions)',
    },
  };
  template.Conditions = { HasAlarmTopic: { 'Fn::Not': [{ 'Fn::Equals': [ref('AlarmTopicArn'), ''] }] } };
  for (const [name, rules] of byVault) {
    const tierName = rules[0]!.service.tier?.name ?? 'default';
    for (const [metric, id, description] of BACKUP_ALARMS) {
      if (metric === 'NumberOfCopyJobsFailed' && !hasCopies) continue;
      resources[logicalId('alarm', tierName, id)] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `drc ${policy.name}: ${description} in vault ${name}`,
          Namespace: 'AWS/Backup',
          MetricName: metric,
          Dimensions: [{ Name: 'BackupVaultName', Value: ref(ids.vault(tierName)) }],
          Statistic: 'Sum',
          Period: 3600,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: { 'Fn::If': ['HasAlarmTopic', [ref('AlarmTopicArn')], ref('AWS::NoValue')] },
        },
      };
    }
  }
}

/** Copy-destination vaults in `region` (same names and lock as the source vaults). */
function copyVaults(policy: Policy, region: string, resources: Resources): void {
  for (const [name, rules] of rulesByVault(policy)) {
    const copying = rules.filter((r) => copyRegions(policy, r.service).includes(region));
    if (copying.length === 0) continue;
    const tier = copying[0]!.service.tier;
    resources[ids.vault(tier?.name ?? 'default')] = vaultResource(name, vaultLock(policy, rules), tier);
  }
}

// ------------------------------------------------------------------------------------------
// Templates

/** Regions that need a stack: the primary region, every bucket's region, every copy region. */
export function stackRegions(policy: Policy): string[] {
  const regions = new Set<string>();
  for (const b of allBuckets(policy)) regions.add(b.region);
  for (const s of awsBackupServices(policy)) for (const r of copyRegions(policy, s)) regions.add(r);
  const primary = primaryRegion(policy);
  regions.delete(primary);
  return [primary, ...[...regions].filter(Boolean).sort()];
}

/** The primary region's stack: buckets there, IAM roles, AWS Backup. */
export function backupStack(policy: Policy): Record<string, Json> {
  const template: Record<string, Json> = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `drc ${policy.name}: backup storage, IAM roles and AWS Backup for ${primaryRegion(policy)} (generated by drc build; do not edit)`,
  };
  const resources: Resources = {};
  const outputs: Record<string, Json> = {};
  bucketResources(policy, primaryRegion(policy), resources);
  accessRoles(policy, resources, outputs);
  awsBackupResources(policy, resources, template);
  template.Resources = sortObject(resources);
  if (Object.keys(outputs).length) template.Outputs = sortObject(outputs);
  return orderTemplate(template);
}

/** A secondary region's stack: replica buckets and copy-destination vaults there. */
export function replicaStack(policy: Policy, region: string): Record<string, Json> {
  const resources: Resources = {};
  bucketResources(policy, region, resources);
  copyVaults(policy, region, resources);
  return orderTemplate({
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `drc ${policy.name}: replica buckets and backup vaults in ${region} (generated by drc build; deploy before backup-stack.yaml)`,
    Resources: sortObject(resources),
  });
}

function sortObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const TEMPLATE_ORDER = ['AWSTemplateFormatVersion', 'Description', 'Parameters', 'Conditions', 'Resources', 'Outputs'];
function orderTemplate(t: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(TEMPLATE_ORDER.filter((k) => t[k] !== undefined).map((k) => [k, t[k]]));
}


