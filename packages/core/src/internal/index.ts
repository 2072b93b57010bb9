/**
 * `@aurora-ops/core/internal`: helpers shared between Aurora's own packages. No semver
 * promise: anything here may change in any release (see VERSIONING.md).
 */
export { parseJson } from './json.js';
