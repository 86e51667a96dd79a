// Scale: one verify of many services with many backups each, against moto_server.
// Default (the normal suite): 100 services × 10 backups, primary and replica.
// Measurement: DRC_VERIFY_SCALE_BACKUPS=200 (or 1000) npx vitest run test/verify/scale.test.ts
// Figures are printed (console.info) and asserted loosely; see docs/verify.md for measured numbers.
import { createHash } from 'node:crypto';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_NAME, payloadName, servicePrefix, storageBuckets } from '../../src/emitters/layout.js';
import { mapLimit } from '../../src/verify/limit.js';
import { s3ClientConfig, useMoto } from '../harness/index.js';
import { configureStorage, modelOf, policyText, rfc3339, S3, stamp, verifyJson, writeRestoreTest } from './helpers.js';

const SERVICES = Number(process.env.DRC_VERIFY_SCALE_SERVICES ?? 100);
const BACKUPS = Number(process.env.DRC_VERIFY_SCALE_BACKUPS ?? 10);
const PUT_CONCURRENCY = 64;

// A private moto: the bucket sizes here would slow the other files' tests down.
const moto = useMoto();
let s3: S3;
let fast: S3Client;
beforeAll(() => {
  s3 = new S3(moto().endpoint);
  fast = new S3Client({
    ...s3ClientConfig(moto().endpoint),
    maxAttempts: 8,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: PUT_CONCURRENCY }) }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});
afterAll(() => {
  s3?.close();
  fast?.destroy();
});

describe(`drc verify at scale (${SERVICES} services × ${BACKUPS} backups, 2 regions)`, () => {
  it('finishes in seconds and finds nothing in a healthy installation', { timeout: 3_600_000 }, async () => {
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const { text } = policyText({ services: names, objectLock: false });
    const policy = modelOf(text);
    const storage = policy.storage.get('backups')!;
    await configureStorage(s3, policy, storage);
    const buckets = storageBuckets(storage);

    // Backups every hour back from 10 minutes ago (the newest is inside the RPO, the rest in retention).
    const now = Date.now();
    const puts: { bucket: string; key: string; body: string }[] = [];
    for (const service of policy.services) {
      for (let b = 0; b < BACKUPS; b++) {
        const finished = new Date(now - 10 * 60_000 - b * 3_600_000);
        const folder = `${servicePrefix(policy, service)}${stamp(new Date(finished.getTime() - 60_000))}/`;
        const payload = `${service.name}-${b}`;
        const manifest = JSON.stringify({
          service: service.name, kind: service.kind, started_at: rfc3339(new Date(finished.getTime() - 60_000)), finished_at: rfc3339(finished),
          key: `${folder}${payloadName(service)}`, bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex'),
          encryption: 'age', policy_sha256: policy.sha256, drc_version: '0.1.0',
        });
        for (const { bucket } of buckets) {
          puts.push({ bucket, key: `${folder}${payloadName(service)}`, body: payload });
          puts.push({ bucket, key: `${folder}${MANIFEST_NAME}`, body: manifest });
        }
      }
    }
    const setupStart = performance.now();
    await mapLimit(puts, PUT_CONCURRENCY, (p) => fast.send(new PutObjectCommand({ Bucket: p.bucket, Key: p.key, Body: p.body })));
    for (const service of policy.services) await writeRestoreTest(s3, policy, service, new Date(now - 86_400_000));
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const verifyStart = performance.now();
    const r = await verifyJson(text, { endpoint: moto().endpoint });
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    const deepStart = performance.now();
    const deep = await verifyJson(text, { endpoint: moto().endpoint, deep: true });
    const deepSeconds = (performance.now() - deepStart) / 1000;

    console.info(
      `[verify scale] ${SERVICES} services × ${BACKUPS} backups × ${buckets.length} buckets = ${puts.length} objects; ` +
        `setup ${setupSeconds.toFixed(1)} s (${Math.round(puts.length / setupSeconds)} PUT/s); ` +
        `verify ${verifySeconds.toFixed(2)} s; verify --deep ${deepSeconds.toFixed(2)} s`,
    );
    expect(r.json.diagnostics).toEqual([]);
    expect(deep.json.diagnostics).toEqual([]);
    expect(Object.keys(r.json.services)).toHaveLength(SERVICES);
    expect(r.json.services['svc-000']!.backup_folders).toBe(BACKUPS);
    expect(verifySeconds).toBeLessThan(60);
  });
});
