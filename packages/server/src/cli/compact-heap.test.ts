import { describe, expect, it } from 'vitest';
import { compactHeap } from './compact-heap.js';

describe('compactHeap', () => {
  it('runs a major GC (an unreachable object is collected) without leaving a global gc behind', async () => {
    let garbage: object | undefined = { payload: new Array(100_000).fill('x') };
    const ref = new WeakRef(garbage);
    garbage = undefined;
    // A WeakRef keeps its target alive until the end of the job that created or read it.
    await new Promise((done) => setImmediate(done));
    expect(globalThis).not.toHaveProperty('gc');
    const pauseMs = compactHeap();
    expect(ref.deref()).toBeUndefined();
    expect(pauseMs).toBeGreaterThanOrEqual(0);
    expect(globalThis).not.toHaveProperty('gc');
  });
});
