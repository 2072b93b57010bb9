import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as agentSurface from '../agent/index.js';
import * as publicSurface from '../index.js';
import * as hostSurface from '../mcp-host/index.js';
import * as pluginSurface from '../plugin-sdk/index.js';
import { AuroraError } from './aurora-error.js';
import type * as errorsModule from './errors.js';
import { ERROR_CODES, errorCodes, httpStatusFor } from './codes.js';

interface ErrorClass {
  new (options?: object): AuroraError;
  isInstance(error: unknown): boolean;
}

/** Every error class the public entries export (walked, so a new unbranded class fails here). */
const surfaces = [publicSurface, agentSurface, hostSurface, pluginSurface] as Record<string, unknown>[];
const errorClasses = [...new Map(surfaces.flatMap((surface) => Object.entries(surface))).entries()].filter(
  (entry): entry is [string, ErrorClass] =>
    typeof entry[1] === 'function' &&
    (entry[1] as { prototype: unknown }).prototype instanceof Error &&
    entry[1] !== AuroraError,
);

describe('error codes', () => {
  it('are SCREAMING_SNAKE and each maps to an HTTP status', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(10);
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(httpStatusFor(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusFor(code)).toBeLessThan(600);
    }
  });

  it('are each documented under their anchor in docs/errors.md', () => {
    const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of ERROR_CODES) expect(docs).toContain(`\n## ${code}\n`);
  });

  it('defaults retryable from the table and allows an override', () => {
    expect(new AuroraError('UNAVAILABLE').retryable).toBe(true);
    expect(new AuroraError('NOT_FOUND').retryable).toBe(false);
    expect(new AuroraError('CONFLICT', { retryable: true }).retryable).toBe(true);
  });
});

describe('AuroraError wire forms', () => {
  const error = new AuroraError('NOT_FOUND', { message: 'No such incident.', details: { resource: 'incident' } });

  it('serialises to JSON with the docs anchor', () => {
    expect(error.toJSON()).toEqual({
      name: 'AuroraError',
      code: 'NOT_FOUND',
      message: 'No such incident.',
      retryable: false,
      details: { resource: 'incident' },
      docs: expect.stringMatching(/docs\/errors\.md#not_found$/) as string,
    });
    expect(error.status).toBe(404);
  });

  it('becomes a stream error event and an MCP error result', () => {
    expect(error.toStreamEvent()).toEqual({ type: 'error', error: error.toJSON() });
    const result = error.toMcpResult();
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^NOT_FOUND: No such incident\./);
    expect(result.structuredContent.error.code).toBe('NOT_FOUND');
  });

  it('round-trips through fromJSON and rejects junk as INTERNAL', () => {
    const back = AuroraError.fromJSON(JSON.parse(JSON.stringify(error)));
    expect(back.code).toBe('NOT_FOUND');
    expect(back.details).toEqual({ resource: 'incident' });
    expect(AuroraError.fromJSON({ code: 'NOT_A_CODE' }).code).toBe('INTERNAL');
    expect(AuroraError.fromJSON({ code: 'FORBIDDEN', details: { nested: { x: 1 } } }).details).toEqual({});
  });

  it('wraps foreign errors without copying their message', () => {
    const foreign = new Error('connect to postgres://admin:hunter2@db failed');
    const wrapped = AuroraError.from(foreign, 'UNAVAILABLE');
    expect(wrapped.code).toBe('UNAVAILABLE');
    expect(wrapped.message).not.toContain('hunter2');
    expect(wrapped.cause).toBe(foreign);
    expect(AuroraError.from(wrapped)).toBe(wrapped);
  });
});

describe('error brands', () => {
  it('every exported error class is branded and exclusive', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(13);
    for (const [name, errorClass] of errorClasses) {
      // Options every constructor accepts: the common ones, plus the `code` some subclasses require.
      const instance = new errorClass({ code: 'UPSTREAM_ERROR', message: 'probe', details: {} });
      expect(instance.name, name).toBe(name);
      expect(errorClass.isInstance(instance), name).toBe(true);
      expect(AuroraError.isInstance(instance), name).toBe(true);
      expect(errorCodes[instance.code], name).toBeDefined();
      for (const [otherName, other] of errorClasses) {
        if (otherName !== name) expect(other.isInstance(instance), `${otherName}.isInstance(${name})`).toBe(false);
      }
    }
    expect(AuroraError.isInstance(new Error('plain'))).toBe(false);
    expect(AuroraError.isInstance({ code: 'NOT_FOUND' })).toBe(false);
  });

  it('identity holds across two copies of the module (separate bundles)', async () => {
    // A query string makes the module loader evaluate a second, independent copy.
    const specifier = './errors.js?second-bundle';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof errorsModule;
    const { NotFoundError } = await import('./errors.js');
    expect(copy.NotFoundError).not.toBe(NotFoundError);
    const fromCopy = new copy.NotFoundError();
    expect(fromCopy instanceof NotFoundError).toBe(false);
    expect(NotFoundError.isInstance(fromCopy)).toBe(true);
    expect(AuroraError.isInstance(fromCopy)).toBe(true);
    expect(copy.UniqueViolationError.isInstance(new NotFoundError())).toBe(false);
  });
});
