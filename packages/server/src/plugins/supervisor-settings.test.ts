import { ConfigurationError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { supervisorSettings } from './supervisor-settings.js';

describe('supervisorSettings', () => {
  it('applies the defaults', () => {
    expect(supervisorSettings({})).toEqual({
      intervalMs: 15_000,
      pingTimeoutMs: 5_000,
      failuresBeforeRestart: 3,
      watchIntervalMs: 250,
      restart: { baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.5 },
    });
    expect(supervisorSettings({ health: { timeoutMs: 200 }, restart: { jitter: 0 } })).toMatchObject({
      pingTimeoutMs: 200,
      restart: { jitter: 0 },
    });
  });

  it('names a bad setting in a ConfigurationError', () => {
    const cases = [
      [{ health: { intervalMs: 0 } }, 'health.intervalMs'],
      [{ health: { failuresBeforeRestart: 1.5 } }, 'health.failuresBeforeRestart'],
      [{ restart: { maxDelayMs: Number.NaN } }, 'restart.maxDelayMs'],
      [{ restart: { jitter: 2 } }, 'restart.jitter'],
    ] as const;
    for (const [options, setting] of cases) {
      expect(() => supervisorSettings(options)).toThrow(
        expect.objectContaining({ code: 'CONFIGURATION_ERROR', details: { setting } }),
      );
      try {
        supervisorSettings(options);
      } catch (error) {
        expect(ConfigurationError.isInstance(error)).toBe(true);
      }
    }
  });
});
