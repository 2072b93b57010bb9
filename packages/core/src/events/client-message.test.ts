import { describe, expect, it } from 'vitest';
import { CLIENT_MESSAGE_TYPES, parseClientMessage } from './client-message.js';
import { RUN_EVENT_TYPES, runEventSchema } from './run-event.js';

describe('parseClientMessage', () => {
  it('accepts each client message type', () => {
    const frames = [
      { type: 'message.send', text: 'why is checkout slow?' },
      { type: 'run.cancel', runId: 'r1' },
      { type: 'run.resume', runId: 'r1', afterSeq: 12 },
      { type: 'confirmation.respond', confirmationId: 'c1', decision: 'approve' },
    ];
    for (const frame of frames) {
      const parsed = parseClientMessage(JSON.stringify(frame));
      expect(parsed).toEqual({ ok: true, message: frame });
    }
    expect(CLIENT_MESSAGE_TYPES).toHaveLength(frames.length);
  });

  it('answers malformed JSON, unknown types and bad fields with a typed error event, echoing nothing', () => {
    const secret = 'AKIA-canary-7f3a';
    const cases: [unknown, string][] = [
      [`{"type":"message.send","text":"${secret}"`, 'INVALID_INPUT'],
      [JSON.stringify({ type: secret }), 'INVALID_INPUT'],
      [JSON.stringify({ text: secret }), 'INVALID_INPUT'],
      [JSON.stringify({ type: 'confirmation.respond', confirmationId: secret, decision: 'maybe' }), 'INVALID_INPUT'],
      [42, 'INVALID_INPUT'],
      [null, 'INVALID_INPUT'],
      ['x'.repeat(300_000), 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [frame, code] of cases) {
      const parsed = parseClientMessage(frame);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.type).toBe('error');
      expect(parsed.error.error.code).toBe(code);
      expect(JSON.stringify(parsed.error)).not.toContain(secret);
    }
  });

  it('names the bad field', () => {
    const parsed = parseClientMessage({ type: 'run.resume', runId: 'r', afterSeq: -1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.error.details).toMatchObject({ type: 'run.resume', fields: ['afterSeq'] });
  });
});

describe('runEventSchema', () => {
  const base = { runId: 'r1', sessionId: 's1', seq: 1, at: new Date(0).toISOString() };

  it('lists every event type once and follows <noun>.<past-participle> (error excepted)', () => {
    expect(new Set(RUN_EVENT_TYPES).size).toBe(RUN_EVENT_TYPES.length);
    for (const type of RUN_EVENT_TYPES.filter((t) => t !== 'error')) expect(type).toMatch(/^[a-z-]+\.[a-z]+ed$/);
  });

  it('validates a confirmation request and rejects one without expiry', () => {
    const event = {
      ...base,
      type: 'confirmation.requested',
      confirmationId: 'c1',
      toolCallId: 't1',
      tool: 'aws__ec2_stop_instances',
      plugin: 'aws',
      arguments: { instanceIds: ['i-1'] },
      summary: 'Stop EC2 instance i-1',
      risk: 'write',
      expiresAt: new Date(60_000).toISOString(),
      reason: 'risk',
    };
    expect(runEventSchema.parse(event)).toEqual(event);
    const { expiresAt: _omitted, ...incomplete } = event;
    expect(runEventSchema.safeParse(incomplete).success).toBe(false);
    expect(runEventSchema.safeParse({ ...event, risk: 'harmless' }).success).toBe(false);
  });

  it('accepts AuroraError.toStreamEvent() shapes', () => {
    const event = {
      ...base,
      type: 'error',
      error: { name: 'TimeoutError', code: 'TIMEOUT', message: 'm', retryable: true, details: {}, docs: 'd' },
    };
    expect(runEventSchema.safeParse(event).success).toBe(true);
    expect(runEventSchema.safeParse({ ...event, error: { ...event.error, code: 'NOPE' } }).success).toBe(false);
  });
});
