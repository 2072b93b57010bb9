import { describe, expect, it } from 'vitest';
import { createLogger, createRedactingLogger, type LogRecord } from './logger.js';

const redactor = {
  redact: (text: string) => text.replaceAll('s3cr3t-value', '[REDACTED]'),
  redactDeep: <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('s3cr3t-value', '[REDACTED]')) as T,
};

describe('logger', () => {
  it('merges child fields into each record', () => {
    const records: LogRecord[] = [];
    const logger = createLogger((record) => records.push(record)).child({ org: 'acme' });
    logger.warn('retrying', { attempt: 2 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'warn', message: 'retrying', fields: { org: 'acme', attempt: 2 } });
  });

  it('redacts messages, fields and child fields', () => {
    const records: LogRecord[] = [];
    const logger = createRedactingLogger(
      createLogger((record) => records.push(record)),
      redactor,
    );
    logger.child({ token: 's3cr3t-value' }).error('bad s3cr3t-value', { nested: { value: 'x s3cr3t-value' } });
    const text = JSON.stringify(records);
    expect(text).not.toContain('s3cr3t-value');
    expect(records[0]?.message).toBe('bad [REDACTED]');
    expect(records[0]?.fields).toEqual({ token: '[REDACTED]', nested: { value: 'x [REDACTED]' } });
  });
});
