import { describe, expect, it } from 'vitest';
import { CrashTracker } from './crash-tracker.js';

describe('CrashTracker', () => {
  it('counts a loss when the host reports it and the return when reconnects rises', () => {
    const tracker = new CrashTracker();
    expect(tracker.observe({ state: 'ready', reconnects: 0 })).toEqual({ crashed: 0, restarted: 0 });
    expect(tracker.observe({ state: 'reconnecting', reconnects: 0 })).toEqual({ crashed: 1, restarted: 0 });
    expect(tracker.observe({ state: 'reconnecting', reconnects: 0 })).toEqual({ crashed: 0, restarted: 0 });
    expect(tracker.observe({ state: 'ready', reconnects: 1 })).toEqual({ crashed: 0, restarted: 1 });
    expect(tracker).toMatchObject({ crashes: 1, restarts: 1, isDown: false });
  });

  it('counts losses the host healed between two observations', () => {
    const tracker = new CrashTracker();
    tracker.observe({ state: 'ready', reconnects: 0 });
    expect(tracker.observe({ state: 'ready', reconnects: 2 })).toEqual({ crashed: 2, restarted: 2 });
    // Seen down, healed, and down again before the next look: two losses, one return.
    tracker.observe({ state: 'reconnecting', reconnects: 2 });
    expect(tracker.observe({ state: 'reconnecting', reconnects: 3 })).toEqual({ crashed: 1, restarted: 1 });
    expect(tracker).toMatchObject({ crashes: 4, restarts: 3, isDown: true });
  });

  it('counts a host that gave up once, and a fresh connection as a restart when asked', () => {
    const tracker = new CrashTracker();
    expect(tracker.observe({ state: 'ready', reconnects: 1 })).toEqual({ crashed: 1, restarted: 1 });
    expect(tracker.observe({ state: 'failed', reconnects: 1 })).toEqual({ crashed: 1, restarted: 0 });
    expect(tracker.observe({ state: 'failed', reconnects: 1 })).toEqual({ crashed: 0, restarted: 0 });
    tracker.connected(true);
    expect(tracker).toMatchObject({ crashes: 2, restarts: 2, isDown: false });
    expect(tracker.totalReconnects()).toBe(1);
    expect(tracker.observe({ state: 'ready', reconnects: 0 })).toEqual({ crashed: 0, restarted: 0 });
    expect(tracker.totalReconnects(2)).toBe(3);
    tracker.recordCrash();
    tracker.recordCrash();
    expect(tracker.crashes).toBe(3);
  });
});
