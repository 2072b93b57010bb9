import { describe, expect, it } from 'vitest';
import { SEMI_SPACE_FLAG, missingNodeFlags, nodeFlagGiven } from './node-flags.js';

describe('node flags of aurora start', () => {
  it('wants the semi-space size, and the PGlite compiler flag when it applies', () => {
    expect(missingNodeFlags('--liftoff-only', [], undefined)).toEqual(['--liftoff-only', SEMI_SPACE_FLAG]);
    expect(missingNodeFlags(undefined, [], undefined)).toEqual([SEMI_SPACE_FLAG]);
  });

  it('keeps what node was given, on its command line or in NODE_OPTIONS', () => {
    expect(missingNodeFlags('--liftoff-only', ['--liftoff-only', '--max-semi-space-size=32'], undefined)).toEqual([]);
    expect(missingNodeFlags(undefined, [], '--enable-source-maps --max_semi_space_size=64')).toEqual([]);
    expect(nodeFlagGiven('--max-semi-space-size', ['--max-semi-space-sizes'], undefined)).toBe(false);
    expect(nodeFlagGiven('--liftoff-only', [], '--liftoff-only')).toBe(true);
  });
});
