import { Readable } from 'node:stream';
import { PayloadTooLargeError } from '../../errors/errors.js';
import type { ObjectBody } from './object-store.js';

export function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError({
    message: `The object exceeds the store's maximum size of ${limit} bytes.`,
    details: { limit },
  });
}

/** The body's size when known without reading it. */
export function knownSize(body: ObjectBody): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  return undefined;
}

/**
 * The body as a stream of Buffers that fails with `PayloadTooLargeError` as soon as more
 * than `limit` bytes have passed, without buffering the rest.
 */
export async function* limitedChunks(body: ObjectBody, limit: number): AsyncGenerator<Buffer> {
  const size = knownSize(body);
  if (size !== undefined) {
    if (size > limit) throw tooLarge(limit);
    yield typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body as Uint8Array);
    return;
  }
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buffer.byteLength;
    if (total > limit) {
      if (body instanceof Readable) body.destroy();
      throw tooLarge(limit);
    }
    yield buffer;
  }
}

/** Reads a whole body into memory, within `limit`. */
export async function collect(body: ObjectBody, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of limitedChunks(body, limit)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
