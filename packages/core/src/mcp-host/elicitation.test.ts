import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { identityRedactor } from './call-outcome.js';
import { answerElicitation, callForElicitation, type InFlightCall } from './elicitation.js';
import type { HostTool } from './mcp-host.js';

const tool = { toolName: 'ask' } as HostTool;
const request = (meta?: Record<string, unknown>) => ({
  method: 'elicitation/create' as const,
  params: {
    message: 'Which colour?',
    requestedSchema: { type: 'object' as const, properties: {} },
    ...(meta === undefined ? {} : { _meta: meta }),
  },
});

function scope(calls: InFlightCall[]) {
  const warnings: string[] = [];
  const logger = createLogger((record) => warnings.push(record.message));
  return {
    warnings,
    scope: { plugin: 'p', inFlight: new Map(calls.map((call, i) => [i, call])), redactor: identityRedactor, logger },
  };
}

describe('elicitation routing', () => {
  const a: InFlightCall = { tool, context: { org: 'o', toolCallId: 'a' } };
  const b: InFlightCall = { tool, context: { org: 'o', toolCallId: 'b' } };

  it('picks the call whose toolCallId was echoed, else the only call, else none', () => {
    expect(callForElicitation(scope([a, b]).scope, { 'aurora/toolCallId': 'b' })).toBe(b);
    expect(callForElicitation(scope([a]).scope, undefined)).toBe(a);
    const ambiguous = scope([a, b]);
    expect(callForElicitation(ambiguous.scope, undefined)).toBeUndefined();
    expect(ambiguous.warnings).toHaveLength(1);
    expect(callForElicitation(scope([]).scope, undefined)).toBeUndefined();
  });

  it('declines without a handler and cancels when the handler throws', async () => {
    expect(await answerElicitation(scope([a]).scope, request())).toEqual({ action: 'decline' });
    const failing: InFlightCall = { tool, context: { org: 'o', onElicitation: () => Promise.reject(new Error('x')) } };
    expect(await answerElicitation(scope([failing]).scope, request())).toEqual({ action: 'cancel' });
  });

  it('passes the answer back', async () => {
    const answering: InFlightCall = {
      tool,
      context: {
        org: 'o',
        onElicitation: (req) => Promise.resolve({ action: 'accept', content: { colour: req.message, tags: ['x'] } }),
      },
    };
    expect(await answerElicitation(scope([answering]).scope, request())).toEqual({
      action: 'accept',
      content: { colour: 'Which colour?', tags: ['x'] },
    });
  });
});
