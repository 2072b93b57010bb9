import { describe, expect, it } from 'vitest';
import { createSecretRedactor } from '../secrets/redactor.js';
import { createTokenBuffer } from './token-buffer.js';

describe('createTokenBuffer', () => {
  const secret = 'sk-live-Zq81vLx0aa55';

  it('keeps a secret split across chunks inside one emission, so the redactor catches it', () => {
    const redactor = createSecretRedactor();
    redactor.learn(secret);
    const emitted: string[] = [];
    const buffer = createTokenBuffer((text) => emitted.push(redactor.redact(text)));
    for (const chunk of ['The key is ', secret.slice(0, 7), secret.slice(7, 13), secret.slice(13), ' and done.'])
      buffer.push(chunk);
    buffer.flush();
    expect(emitted.join('')).toBe(`The key is ${redactor.redact(secret)} and done.`);
    expect(emitted.join('')).not.toContain(secret.slice(0, 7));
  });

  it('emits everything, in order, and no more than it was given', () => {
    const emitted: string[] = [];
    const buffer = createTokenBuffer((text) => emitted.push(text), { maxHold: 8 });
    const chunks = ['Hel', 'lo wor', 'ld\nno-spaces-here-at-all', ' end'];
    for (const chunk of chunks) buffer.push(chunk);
    buffer.flush();
    expect(emitted.join('')).toBe(chunks.join(''));
    expect(emitted.every((text) => text.length > 0)).toBe(true);
    // The long run without white space was released once it reached maxHold.
    expect(emitted.some((text) => text.startsWith('no-space'))).toBe(true);
  });
});
