/**
 * `@aurora-ops/core/internal`: helpers shared between Aurora's own packages. No semver
 * promise: anything here may change in any release (see VERSIONING.md).
 */
export { parseJson } from './json.js';
export { createTurnBatch, valuesList } from '../storage/database/turn-batch.js';
export type { TurnBatch, TurnBatchOptions } from '../storage/database/turn-batch.js';
