import { pointer } from '../../diagnostics.js';
import { AWS_REGIONS, isKnownRegion } from '../../model/regions.js';
import { didYouMean } from '../../model/suggest.js';
import type { Rule } from '../rule.js';

type Data = Record<string, unknown>;

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reports tiers, storage targets and region codes that are not defined, with a "did you mean". */
export const rule: Rule = {
  meta: {
    id: 'unknown-reference',
    severity: 'error',
    description: 'A `tier`, `storage` or region code that is not defined (with a "did you mean" suggestion).',
    rationale:
      'A service inherits its objectives from its `tier` and writes its backups to its `storage`; a name that matches nothing leaves the service ' +
      'without objectives or without a destination, and every artifact built from it would be wrong. Region codes are checked against the AWS ' +
      'region list (commercial, GovCloud and China partitions): `regions.primary`, `regions.secondary`, each storage target\'s `region` and replica ' +
      '`region`, the keys of `encryption.replica_kms_keys`, and an s3-bucket service\'s `region`. A typo such as `us-est-1` would otherwise only fail ' +
      'when AWS rejects the generated template. Each finding suggests the closest defined name (edit distance). A reference set in `defaults:` is ' +
      'reported once, at `/defaults/<field>`. Rules that need the missing tier or storage skip the service instead of reporting a second finding.',
    sources: [
      { title: 'drc policy language §3: inheritance and effective values', url: 'docs/policy-language.md#3-inheritance-and-effective-values' },
      { title: 'AWS: Regions and endpoints (region codes)', url: 'https://docs.aws.amazon.com/general/latest/gr/rande.html' },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    tier: teir1        # tier "teir1" is not defined (did you mean "tier1"?)\n    storage: backups\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n    storage: backups\n',
    },
  },
  check(policy, report) {
    const raw = policy.raw;
    const rawStorage = isObject(raw.storage) ? raw.storage : {};
    const storageNames = Object.keys(rawStorage);
    const tierNames = [...policy.tiers.keys()];
    const reported = new Set<string>();

    const region = (value: unknown, path: string, owner: string, what: string, atKey = false): void => {
      if (typeof value !== 'string' || isKnownRegion(value) || reported.has(path)) return;
      reported.add(path);
      report({
        path,
        message: `${owner}: ${what} "${value}" is not an AWS region${didYouMean(value, AWS_REGIONS)}`,
        hint: 'Use an AWS region code such as us-east-1 or eu-central-1 (see `aws ec2 describe-regions`).',
        ...(atKey ? { atKey: true } : {}),
      });
    };

    // Regions of the policy.
    const regions = isObject(raw.regions) ? raw.regions : null;
    if (regions) {
      region(regions.primary, '/regions/primary', 'regions', 'primary region');
      if (typeof regions.secondary === 'string') region(regions.secondary, '/regions/secondary', 'regions', 'secondary region');
      else if (Array.isArray(regions.secondary)) {
        regions.secondary.forEach((r, i) => region(r, pointer('regions', 'secondary', i), 'regions', 'secondary region'));
      }
    }

    // Storage targets and their replicas.
    for (const name of storageNames) {
      const target = rawStorage[name];
      if (!isObject(target)) continue;
      region(target.region, pointer('storage', name, 'region'), name, 'region');
      if (Array.isArray(target.replicas)) {
        target.replicas.forEach((replica, i) => {
          if (isObject(replica)) region(replica.region, pointer('storage', name, 'replicas', i, 'region'), name, 'replica region');
        });
      }
    }

    // Keys of replica_kms_keys, in the policy's, the defaults' and each service's encryption block.
    const kmsKeys = (encryption: unknown, at: string, owner: string): void => {
      if (!isObject(encryption) || !isObject(encryption.replica_kms_keys)) return;
      for (const key of Object.keys(encryption.replica_kms_keys)) {
        region(key, `${at}/replica_kms_keys/${pointer(key).slice(1)}`, owner, 'replica_kms_keys names region', true);
      }
    };
    kmsKeys(raw.encryption, '/encryption', 'encryption');
    const defaults = isObject(raw.defaults) ? raw.defaults : null;
    if (defaults) {
      kmsKeys(defaults.encryption, '/defaults/encryption', 'defaults');
      region(defaults.region, '/defaults/region', 'defaults', 'bucket region');
    }

    // Services: tier and storage references (from the Model), the protected bucket's region.
    const rawServices = isObject(raw.services) ? raw.services : {};
    for (const service of policy.services) {
      const tierName = service.tierName;
      if (tierName && service.tier === null && !reported.has(tierName.at)) {
        reported.add(tierName.at);
        const owner = tierName.from === 'defaults' ? 'defaults' : service.name;
        report({
          path: tierName.at,
          message: `${owner}: tier "${tierName.value}" is not defined${didYouMean(tierName.value, tierNames)}`,
          hint: tierNames.length > 0
            ? `Use one of the tiers under \`tiers:\` (${tierNames.join(', ')}), or define "${tierName.value}" there.`
            : `Define the tier "${tierName.value}" under \`tiers:\`.`,
        });
      }
      const storageName = service.storageName;
      if (
        storageName &&
        service.storage === null &&
        !Object.prototype.hasOwnProperty.call(rawStorage, storageName.value) &&
        !reported.has(storageName.at)
      ) {
        reported.add(storageName.at);
        const owner = storageName.from === 'defaults' ? 'defaults' : service.name;
        report({
          path: storageName.at,
          message: `${owner}: storage "${storageName.value}" is not defined${didYouMean(storageName.value, storageNames)}`,
          hint: storageNames.length > 0
            ? `Use one of the storage targets under \`storage:\` (${storageNames.join(', ')}), or define "${storageName.value}" there.`
            : `Define the storage target "${storageName.value}" under \`storage:\`.`,
        });
      }
      const data = rawServices[service.name];
      if (isObject(data)) {
        if (data.region !== undefined) region(data.region, pointer('services', service.name, 'region'), service.name, 'bucket region');
        if (data.encryption !== undefined) kmsKeys(data.encryption, pointer('services', service.name, 'encryption'), service.name);
      }
    }
  },
};
