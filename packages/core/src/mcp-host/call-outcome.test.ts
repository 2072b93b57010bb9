import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createSecretRedactor } from '../secrets/redactor.js';
import { flattenContent, identityRedactor, redactsNothing, toCallError, toOutcome } from './call-outcome.js';

const source = { plugin: 'p', tool: 't', redactor: identityRedactor, durationMs: 1 };

describe('call outcomes', () => {
  it('flattens text, resources and other blocks; structured content when no text', () => {
    expect(
      flattenContent(
        [
          { type: 'text', text: 'a' },
          { type: 'resource', resource: { uri: 'x://1', text: 'b' } },
          { type: 'image', data: '', mimeType: 'image/png' },
        ],
        undefined,
      ),
    ).toBe('a\nb\n[image content]');
    expect(flattenContent([], { n: 1 })).toBe('{"n":1}');
  });

  it('keeps a plugin Aurora error and makes one from error text', () => {
    const wire = { name: 'ForbiddenError', code: 'FORBIDDEN', message: 'no', retryable: false, details: {} };
    const a = toOutcome({ isError: true, content: [], structuredContent: { error: wire } }, source);
    expect(a.error).toMatchObject({ name: 'ForbiddenError', code: 'FORBIDDEN', message: 'no' });
    const b = toOutcome({ isError: true, content: [{ type: 'text', text: 'boom' }] }, source);
    expect(b.error).toMatchObject({ code: 'UPSTREAM_ERROR', details: { plugin: 'p', tool: 't' } });
    expect(b.error?.message).toContain('boom');
    const fromMeta = toOutcome(
      {
        isError: true,
        content: [{ type: 'text', text: 'x' }],
        _meta: { 'aurora/error': { ...wire, code: 'EXPIRED' } },
      },
      source,
    );
    expect(fromMeta.error?.code).toBe('EXPIRED');
    const c = toOutcome({ isError: true, content: [], structuredContent: { error: { code: 'NOPE' } } }, source);
    expect(c.error?.code).toBe('UPSTREAM_ERROR');
  });

  it('redacts every text that reaches the outcome', () => {
    const redactor = createSecretRedactor();
    redactor.learn('hunter2-secret');
    const outcome = toOutcome(
      {
        isError: true,
        content: [{ type: 'text', text: 'password hunter2-secret' }],
        structuredContent: { detail: 'hunter2-secret' },
      },
      { ...source, redactor },
    );
    expect(JSON.stringify(outcome)).not.toContain('hunter2-secret');
  });

  it('skips redaction only while the redactor knows no secret', () => {
    const redactor = createSecretRedactor();
    expect(redactsNothing(identityRedactor)).toBe(true);
    expect(redactsNothing(redactor)).toBe(true);
    const result = { content: [{ type: 'text', text: 'token late-learned-secret' }], structuredContent: { k: 'v' } };
    const before = toOutcome(result, { ...source, redactor });
    // Nothing to scrub: the SDK's objects are passed through, not deep-copied.
    expect(before.content).toBe(result.content);
    expect(before.structuredContent).toBe(result.structuredContent);
    expect(before.text).toBe('token late-learned-secret');
    redactor.learn('late-learned-secret');
    expect(redactsNothing(redactor)).toBe(false);
    const after = toOutcome(result, { ...source, redactor });
    expect(after.text).toBe('token [REDACTED]');
    expect(after.content).toEqual([{ type: 'text', text: 'token [REDACTED]' }]);
    expect(result.content[0]?.text).toBe('token late-learned-secret');
  });

  it('maps MCP protocol errors to typed errors', () => {
    const context = { plugin: 'p', tool: 't', timeoutMs: 10, redactor: identityRedactor };
    expect(toCallError(new McpError(ErrorCode.InvalidParams, 'bad'), context).code).toBe('INVALID_INPUT');
    expect(toCallError(new McpError(ErrorCode.RequestTimeout, 'slow'), context).code).toBe('TIMEOUT');
    expect(toCallError(new McpError(ErrorCode.ConnectionClosed, 'gone'), context).code).toBe('UNAVAILABLE');
    expect(toCallError(new McpError(ErrorCode.MethodNotFound, 'no'), context).code).toBe('UNSUPPORTED');
    expect(toCallError(new McpError(ErrorCode.InternalError, 'x'), context).code).toBe('UPSTREAM_ERROR');
    expect(toCallError(new Error('socket'), context).code).toBe('UNAVAILABLE');
    const aborted = AbortSignal.abort();
    expect(toCallError(new Error('x'), { ...context, signal: aborted }).code).toBe('CANCELLED');
  });
});
