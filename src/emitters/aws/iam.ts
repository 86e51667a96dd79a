/**
 * Least-privilege IAM policy documents. One function builds each document; the standalone
 * `aws/iam/*.json` files and the CloudFormation managed policies both embed its result, so they
 * cannot differ. Documents use only literal ARNs (partition `aws`), no intrinsics.
 */
import type { Policy, Service } from '../../model/types.js';
import { byName, kmsKeyForRegion, logicalId, primaryRegion, servicePrefix, storageBuckets } from '../layout.js';
import { servicesInBucket } from './bucket-config.js';
import { s3BucketArn } from './names.js';

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

const uniqSorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * IAM's limit on a managed policy document: 6,144 characters, whitespace not counted (IAM quotas,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). The CloudFormation
 * stack attaches these documents as managed policies, so they must fit.
 */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

/** A document's size as IAM counts it: compact JSON, which has no whitespace outside its strings. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

/**
 * The key prefixes a role is granted in a bucket: each service's own prefix, or, when listing them
 * would not fit in a managed policy (from about 30 services on), the policy's prefix that holds them all.
 */
type PrefixScope = (policy: Policy, services: readonly Service[]) => string[];
const servicePrefixes: PrefixScope = (policy, services) => services.map((s) => servicePrefix(policy, s));
const policyPrefix: PrefixScope = (policy) => [`${policy.name}/`];

/** The document listing every service prefix, or the one granting the policy's prefix when that does not fit. */
function fitted(build: (scope: PrefixScope) => PolicyDocument): PolicyDocument {
  const exact = build(servicePrefixes);
  return policySize(exact) <= MANAGED_POLICY_MAX_CHARS ? exact : build(policyPrefix);
}

/** The document, with any repeated Sid (bucket names differing only in punctuation) numbered. */
function document(statements: Statement[]): PolicyDocument {
  const seen = new Map<string, number>();
  const out = statements.map((s) => {
    const n = (seen.get(s.Sid) ?? 0) + 1;
    seen.set(s.Sid, n);
    return n === 1 ? s : { ...s, Sid: `${s.Sid}${n}` };
  });
  return { Version: '2012-10-17', Statement: out };
}

/** Every (bucket, region, storage) drc writes to, deduplicated by bucket, sorted by bucket. */
export function allBuckets(policy: Policy): { bucket: string; region: string; primary: boolean; storage: string }[] {
  const seen = new Map<string, { bucket: string; region: string; primary: boolean; storage: string }>();
  for (const storage of [...policy.storage.values()].sort(byName)) {
    for (const b of storageBuckets(storage)) if (!seen.has(b.bucket)) seen.set(b.bucket, { ...b, storage: storage.name });
  }
  return [...seen.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

/** Buckets that hold service backups, each with the services that write there. */
function serviceBuckets(policy: Policy): { bucket: string; region: string; services: readonly Service[] }[] {
  return allBuckets(policy)
    .map((b) => ({ bucket: b.bucket, region: b.region, services: servicesInBucket(policy, b.bucket) }))
    .filter((b) => b.services.length > 0);
}

/** A KMS key (ARN, key id, alias name or alias ARN) → IAM resource and, for aliases, the alias condition value. */
export function kmsKeyResource(key: string, region: string): { resource: string; alias: string | null } {
  const aliasArn = /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(key);
  if (aliasArn) return { resource: `arn:aws:kms:${region}:*:key/*`, alias: aliasArn[1]! };
  if (key.startsWith('alias/')) return { resource: `arn:aws:kms:${region}:*:key/*`, alias: key };
  if (key.startsWith('arn:')) return { resource: key, alias: null };
  return { resource: `arn:aws:kms:${region}:*:key/${key}`, alias: null };
}

/**
 * KMS statements for `actions` on the keys used in `regions`, only through S3 (kms:ViaService).
 * Key ARNs share one statement; each alias gets its own, on the region's keys carrying that alias.
 */
function kmsStatements(policy: Policy, sid: string, actions: string[], buckets: { region: string; services?: readonly Service[] }[]): Statement[] {
  const keys = new Map<string, Set<string>>(); // key → regions
  const primary = primaryRegion(policy);
  const add = (key: string | null, region: string) => {
    if (!key) return;
    if (!keys.has(key)) keys.set(key, new Set());
    keys.get(key)!.add(region);
  };
  for (const b of buckets) {
    add(kmsKeyForRegion(policy.encryption, b.region, primary), b.region);
    for (const s of b.services ?? []) add(kmsKeyForRegion(s.encryption, b.region, primary), b.region);
  }
  const direct: { resource: string; region: string }[] = [];
  const aliases = new Map<string, { resources: Set<string>; regions: Set<string> }>();
  for (const [key, regions] of keys) {
    for (const region of regions) {
      const r = kmsKeyResource(key, region);
      if (r.alias === null) direct.push({ resource: r.resource, region });
      else {
        if (!aliases.has(r.alias)) aliases.set(r.alias, { resources: new Set(), regions: new Set() });
        aliases.get(r.alias)!.resources.add(r.resource);
        aliases.get(r.alias)!.regions.add(region);
      }
    }
  }
  const via = (regions: Iterable<string>) => uniqSorted([...regions].map((r) => `s3.${r}.amazonaws.com`));
  const out: Statement[] = [];
  if (direct.length) {
    out.push({
      Sid: `${sid}Keys`,
      Effect: 'Allow',
      Action: uniqSorted(actions),
      Resource: uniqSorted(direct.map((d) => d.resource)),
      Condition: { StringEquals: { 'kms:ViaService': via(direct.map((d) => d.region)) } },
    });
  }
  for (const alias of [...aliases.keys()].sort()) {
    const a = aliases.get(alias)!;
    out.push({
      Sid: `${sid}${logicalId(alias)}`,
      Effect: 'Allow',
      Action: uniqSorted(actions),
      Resource: uniqSorted(a.resources),
      Condition: {
        StringEquals: { 'kms:ViaService': via(a.regions) },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias] },
      },
    });
  }
  return out;
}

function listStatements(sid: string, actions: string[], entries: { bucket: string; prefixes: string[] }[]): Statement[] {
  return entries.map((e) => ({
    Sid: `${sid}${logicalId(e.bucket)}`,
    Effect: 'Allow' as const,
    Action: uniqSorted(actions),
    Resource: [s3BucketArn(e.bucket)],
    Condition: { StringLike: { 's3:prefix': uniqSorted(e.prefixes.flatMap((p) => [p, `${p}*`])) } },
  }));
}

/** Object ARNs of the granted prefixes in every bucket that holds service backups. */
function prefixArns(policy: Policy, scope: PrefixScope): string[] {
  return uniqSorted(serviceBuckets(policy).flatMap((b) => scope(policy, b.services).map((prefix) => `${s3BucketArn(b.bucket)}/${prefix}*`)));
}

/** Actions the backup writer must never have, denied explicitly so no other attached policy can grant them. */
export const WRITER_DENIED_ACTIONS = [
  's3:BypassGovernanceRetention',
  's3:DeleteBucket',
  's3:DeleteBucketPolicy',
  's3:DeleteObject',
  's3:DeleteObjectTagging',
  's3:DeleteObjectVersion',
  's3:DeleteObjectVersionTagging',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketPolicy',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutObjectRetention',
  's3:PutReplicationConfiguration',
];

/**
 * The backup writer (backup.sh): put objects (and their GFS tag) under each service prefix of
 * each bucket the service writes to (the policy's prefix when the list does not fit), abort its own
 * failed multipart uploads, list its prefixes (to find the previous backup for the GFS tag), encrypt
 * with the buckets' KMS keys. No delete, no configuration change: those are denied explicitly.
 */
export function backupWriterPolicy(policy: Policy): PolicyDocument {
  return fitted((scope) => backupWriterDocument(policy, scope));
}

function backupWriterDocument(policy: Policy, scope: PrefixScope): PolicyDocument {
  const buckets = serviceBuckets(policy);
  const statements: Statement[] = [];
  if (buckets.length) {
    statements.push({ Sid: 'WriteBackups', Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectTagging'], Resource: prefixArns(policy, scope) });
    statements.push(...listStatements('ListPrefixes', ['s3:ListBucket'], buckets.map((b) => ({ bucket: b.bucket, prefixes: scope(policy, b.services) }))));
    statements.push(...kmsStatements(policy, 'EncryptWith', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], buckets));
    statements.push({
      Sid: 'NeverDestroy',
      Effect: 'Deny',
      Action: WRITER_DENIED_ACTIONS,
      Resource: uniqSorted(buckets.flatMap((b) => [s3BucketArn(b.bucket), `${s3BucketArn(b.bucket)}/*`])),
    });
  }
  return document(statements);
}

/**
 * The restore reader (restore.sh, verify.sh): list and read the service prefixes (the policy's prefix
 * when the list does not fit), restore archived objects, decrypt.
 */
export function restoreReaderPolicy(policy: Policy): PolicyDocument {
  return fitted((scope) => restoreReaderDocument(policy, scope));
}

function restoreReaderDocument(policy: Policy, scope: PrefixScope): PolicyDocument {
  const buckets = serviceBuckets(policy);
  const statements: Statement[] = [];
  if (buckets.length) {
    statements.push(...listStatements('ListPrefixes', ['s3:ListBucket', 's3:ListBucketVersions'], buckets.map((b) => ({ bucket: b.bucket, prefixes: scope(policy, b.services) }))));
    statements.push({
      Sid: 'ReadBackups',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:RestoreObject'],
      Resource: prefixArns(policy, scope),
    });
    statements.push(...kmsStatements(policy, 'DecryptWith', ['kms:Decrypt'], buckets));
  }
  return document(statements);
}

/** Read-only access `drc verify` needs: bucket configuration of every storage bucket, listing and reading the policy's objects. */
export function verifyReaderPolicy(policy: Policy): PolicyDocument {
  const buckets = allBuckets(policy);
  const statements: Statement[] = [];
  if (buckets.length) {
    statements.push({
      Sid: 'ReadBucketConfiguration',
      Effect: 'Allow',
      Action: [
        's3:GetBucketLocation',
        's3:GetBucketObjectLockConfiguration',
        's3:GetBucketVersioning',
        's3:GetEncryptionConfiguration',
        's3:GetLifecycleConfiguration',
        's3:GetReplicationConfiguration',
      ],
      Resource: buckets.map((b) => s3BucketArn(b.bucket)),
    });
    statements.push(...listStatements('ListPolicy', ['s3:ListBucket'], buckets.map((b) => ({ bucket: b.bucket, prefixes: [`${policy.name}/`] }))));
    statements.push({
      Sid: 'ReadObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectTagging'],
      Resource: buckets.map((b) => `${s3BucketArn(b.bucket)}/${policy.name}/*`),
    });
    statements.push(...kmsStatements(policy, 'DecryptWith', ['kms:Decrypt'], buckets.map((b) => ({ region: b.region, services: servicesInBucket(policy, b.bucket) }))));
  }
  return document(statements);
}

/** The role S3 assumes to replicate a storage's primary bucket to its replicas (aws-facts §2.3). */
export function replicationRolePolicy(policy: Policy, storageName: string): PolicyDocument {
  const storage = policy.storage.get(storageName)!;
  const source = s3BucketArn(storage.bucket);
  const statements: Statement[] = [
    { Sid: 'ReadSourceConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [source] },
    {
      Sid: 'ReadSourceVersions',
      Effect: 'Allow',
      Action: uniqSorted([
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionTagging',
        ...(storage.objectLock ? ['s3:GetObjectLegalHold', 's3:GetObjectRetention'] : []),
      ]),
      Resource: [`${source}/*`],
    },
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
      Resource: uniqSorted(storage.replicas.map((r) => `${s3BucketArn(r.bucket)}/*`)),
    },
  ];
  const primary = primaryRegion(policy, storage);
  statements.push(...kmsStatements(policy, 'DecryptSource', ['kms:Decrypt'], [{ region: storage.region }]));
  statements.push(...kmsStatements(policy, 'EncryptReplica', ['kms:Encrypt', 'kms:GenerateDataKey'], storage.replicas.filter((r) => kmsKeyForRegion(policy.encryption, r.region, primary)).map((r) => ({ region: r.region }))));
  return document(statements);
}

export type AccessRole = 'backup-writer' | 'restore-reader' | 'verify-reader';

const documentsOf = new WeakMap<Policy, Record<AccessRole, PolicyDocument>>();

/**
 * The three documents, built once per policy: the CloudFormation stack and the aws/iam files both
 * embed them. Shared: callers must not modify them.
 */
export function accessPolicies(policy: Policy): Readonly<Record<AccessRole, PolicyDocument>> {
  let documents = documentsOf.get(policy);
  if (!documents) {
    documents = { 'backup-writer': backupWriterPolicy(policy), 'restore-reader': restoreReaderPolicy(policy), 'verify-reader': verifyReaderPolicy(policy) };
    documentsOf.set(policy, documents);
  }
  return documents;
}
