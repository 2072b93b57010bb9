import type { Principal } from '../../src/auth/auth-store.js';

/** An operator of org `acme`, for run-manager tests that need no login. */
export const operator: Principal = {
  userId: 'olive',
  org: 'acme',
  role: 'operator',
  email: 'olive@acme.test',
  via: 'session',
};

/** Polls until `condition` holds; core's published test helper under the name these tests use. */
export { waitFor as until } from '@aurora-ops/core/testing';
