/** The built-in rule catalogue (policy-language.md §7), one module per rule. */
import type { Rule } from '../rule.js';
import { rule as archiveVsRto } from './archive-vs-rto.js';
import { rule as backupNotGenerated } from './backup-not-generated.js';
import { rule as clientSideEncryption } from './client-side-encryption.js';
import { rule as crossRegion } from './cross-region.js';
import { rule as drDrillFrequency } from './dr-drill-frequency.js';
import { rule as encryptionRequired } from './encryption-required.js';
import { rule as immutableBackups } from './immutable-backups.js';
import { rule as invalidValue } from './invalid-value.js';
import { rule as lifecycleConstraints } from './lifecycle-constraints.js';
import { rule as lifecycleRetention } from './lifecycle-retention.js';
import { rule as lifecycleRuleLimit } from './lifecycle-rule-limit.js';
import { rule as objectivesDefined } from './objectives-defined.js';
import { rule as ownerRequired } from './owner-required.js';
import { rule as plaintextSecret } from './plaintext-secret.js';
import { rule as replicaKmsKey } from './replica-kms-key.js';
import { rule as restoreTestFrequency } from './restore-test-frequency.js';
import { rule as retentionCompliance } from './retention-compliance.js';
import { rule as rpoFeasible } from './rpo-feasible.js';
import { rule as rtoFeasible } from './rto-feasible.js';
import { rule as scheduleRequired } from './schedule-required.js';
import { rule as tierObjective } from './tier-objective.js';
import { rule as unknownReference } from './unknown-reference.js';

export { PIPELINE_RULES } from './pipeline-rules.js';

export const BUILTIN_RULES: readonly Rule[] = [
  unknownReference,
  invalidValue,
  encryptionRequired,
  clientSideEncryption,
  crossRegion,
  restoreTestFrequency,
  drDrillFrequency,
  objectivesDefined,
  tierObjective,
  rpoFeasible,
  rtoFeasible,
  archiveVsRto,
  lifecycleConstraints,
  lifecycleRetention,
  lifecycleRuleLimit,
  retentionCompliance,
  immutableBackups,
  replicaKmsKey,
  plaintextSecret,
  ownerRequired,
  scheduleRequired,
  backupNotGenerated,
];
