import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect } from 'vitest';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../errors/errors.js';
import type { ObjectStore } from '../storage/objects/object-store.js';
import type { ConformanceHarness } from './harness.js';
import { conformanceScaffold } from './scaffold.js';

export interface ObjectStoreConformanceOptions {
  /** A store on a fresh backing store with this `maxObjectSize`; without it the size tests are skipped. */
  readonly createLimited?: (maxObjectSize: number) => Promise<ObjectStore>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function typed<E>(promise: Promise<unknown>, guard: (error: unknown) => error is E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(guard(error), `expected a typed error, got ${String(error)}`).toBe(true);
  return error as E;
}

/**
 * The ObjectStore conformance suite. `harness.create()` returns a store on a fresh, empty
 * backing store (a new directory or bucket); `createSibling` a second client on the same one.
 */
export function describeObjectStoreConformance(
  name: string,
  harness: ConformanceHarness<ObjectStore>,
  options: ObjectStoreConformanceOptions = {},
): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    const { create, track, test: scaffoldTest } = conformanceScaffold(harness, (store) => store.close());
    const test = (title: string, fn: () => Promise<void>, needs?: 'sibling' | 'limited'): void =>
      scaffoldTest(title, fn, {
        needsSibling: needs === 'sibling',
        unless: () =>
          needs === 'limited' && options.createLimited === undefined ? 'no createLimited option given' : undefined,
      });

    test('declares specification v1 and a maximum size', async () => {
      const store = await create();
      expect(store.specificationVersion).toBe('v1');
      expect(store.maxObjectSize).toBeGreaterThan(0);
    });

    test('puts and gets bytes, strings, streams and async iterables', async () => {
      const store = await create();
      const bytes = randomBytes(1000);
      await store.put('a/bytes.bin', bytes);
      await store.put('a/text.txt', 'héllo wörld', { contentType: 'text/plain; charset=utf-8' });
      await store.put('a/stream.bin', Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]));
      await store.put(
        'a/iterable.bin',
        (async function* () {
          yield bytes.subarray(0, 500);
          yield bytes.subarray(500);
        })(),
      );
      await store.put('a/empty', new Uint8Array(0));
      expect(Buffer.from((await store.get('a/bytes.bin')).body).equals(bytes)).toBe(true);
      expect(Buffer.from((await store.get('a/text.txt')).body).toString('utf8')).toBe('héllo wörld');
      expect(Buffer.from((await store.get('a/stream.bin')).body).equals(bytes)).toBe(true);
      expect(Buffer.from((await store.get('a/iterable.bin')).body).equals(bytes)).toBe(true);
      expect((await store.get('a/empty')).body.byteLength).toBe(0);
      expect((await readAll((await store.getStream('a/empty')).body)).byteLength).toBe(0);
      const streamed = await store.getStream('a/bytes.bin');
      expect((await readAll(streamed.body)).equals(bytes)).toBe(true);
      expect(streamed.metadata.size).toBe(1000);
    });

    test('head returns size, content type, etag and user metadata', async () => {
      const store = await create();
      const put = await store.put('meta/x.json', '{"a":1}', {
        contentType: 'application/json',
        metadata: { source: 'runbook', 'org-id': 'acme' },
      });
      const head = await store.head('meta/x.json');
      expect(head).toMatchObject({
        key: 'meta/x.json',
        size: 7,
        contentType: 'application/json',
        metadata: { source: 'runbook', 'org-id': 'acme' },
      });
      expect(head.etag).toBe(put.etag);
      expect(head.etag.length).toBeGreaterThan(0);
      expect(head.lastModified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
      expect((await store.get('meta/x.json')).metadata.metadata).toEqual({ source: 'runbook', 'org-id': 'acme' });
    });

    test('missing objects are NotFoundError for get, getStream, head and copy', async () => {
      const store = await create();
      await typed(store.get('missing/x'), NotFoundError.isInstance);
      await typed(store.getStream('missing/x'), NotFoundError.isInstance);
      await typed(store.head('missing/x'), NotFoundError.isInstance);
      await typed(store.copy('missing/x', 'missing/y'), NotFoundError.isInstance);
    });

    test('overwrite replaces body, content type and metadata; delete is idempotent', async () => {
      const store = await create();
      await store.put('k', 'first', { contentType: 'text/plain', metadata: { v: '1' } });
      await store.put('k', 'second version', { metadata: { v: '2' } });
      const { body, metadata } = await store.get('k');
      expect(Buffer.from(body).toString()).toBe('second version');
      expect(metadata.metadata).toEqual({ v: '2' });
      expect(metadata.contentType).toBe('application/octet-stream');
      await store.delete('k');
      await typed(store.head('k'), NotFoundError.isInstance);
      await store.delete('k');
    });

    test('a key and keys below it coexist (a, a/b)', async () => {
      const store = await create();
      await store.put('a', 'parent');
      await store.put('a/b', 'child');
      expect(Buffer.from((await store.get('a')).body).toString()).toBe('parent');
      expect(Buffer.from((await store.get('a/b')).body).toString()).toBe('child');
    });

    test('list is sorted, filters by prefix and pages with a cursor', async () => {
      const store = await create();
      const keys = ['logs/2024/b.txt', 'logs/2024/a.txt', 'logs/2025/c.txt', 'logs/x', 'logsy/z', 'other/y'];
      for (const key of keys) await store.put(key, key);
      expect((await store.list({ prefix: 'logs/' })).objects.map((o) => o.key)).toEqual([
        'logs/2024/a.txt',
        'logs/2024/b.txt',
        'logs/2025/c.txt',
        'logs/x',
      ]);
      expect((await store.list({ prefix: 'logs' })).objects.map((o) => o.key)).toContain('logsy/z');
      expect((await store.list({ prefix: 'logs/2024/a' })).objects.map((o) => o.key)).toEqual(['logs/2024/a.txt']);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.objects.length).toBeLessThanOrEqual(2);
        seen.push(...page.objects.map((o) => o.key));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(seen).toEqual([...keys].sort());
      expect(pages).toBe(3);
      const listed = (await store.list({ prefix: 'other/' })).objects[0];
      expect(listed).toMatchObject({ key: 'other/y', size: 7 });
      await typed(store.list({ limit: 0 }), InvalidInputError.isInstance);
      await typed(store.list({ limit: 1001 }), InvalidInputError.isInstance);
    });

    test('invalid keys are InvalidInputError and write nothing', async () => {
      const store = await create();
      const bad = [
        '',
        '../escape',
        'a/../../b',
        '/absolute',
        'a//b',
        'a/./b',
        'back\\slash',
        'ctl\u0000x',
        'nl\nx',
        'x'.repeat(1100),
        'dir/',
      ];
      for (const key of bad) {
        await typed(store.put(key, 'x'), InvalidInputError.isInstance);
        await typed(store.get(key), InvalidInputError.isInstance);
      }
      await typed(store.copy('ok', '../escape'), InvalidInputError.isInstance);
      await typed(store.list({ prefix: '../' }), InvalidInputError.isInstance);
      await typed(store.put('ok', 'x', { metadata: { 'Bad Key': 'v' } }), InvalidInputError.isInstance);
      expect((await store.list()).objects).toEqual([]);
    });

    test('copy preserves body, content type and metadata', async () => {
      const store = await create();
      await store.put('src/a', 'copied body', { contentType: 'text/markdown', metadata: { owner: 'sre' } });
      const copied = await store.copy('src/a', 'dst/b');
      expect(copied).toMatchObject({
        key: 'dst/b',
        size: 11,
        contentType: 'text/markdown',
        metadata: { owner: 'sre' },
      });
      expect(Buffer.from((await store.get('dst/b')).body).toString()).toBe('copied body');
      expect(Buffer.from((await store.get('src/a')).body).toString()).toBe('copied body');
    });

    test('a large streamed body round-trips byte for byte', async () => {
      const store = await create();
      const size = 12 * 1024 * 1024 + 17;
      const bytes = randomBytes(size);
      const chunks = Array.from({ length: Math.ceil(size / 65_536) }, (_, i) =>
        bytes.subarray(i * 65_536, (i + 1) * 65_536),
      );
      const put = await store.put('big/blob', Readable.from(chunks), { contentType: 'application/x-test' });
      expect(put.size).toBe(size);
      const streamed = await readAll((await store.getStream('big/blob')).body);
      expect(sha256(streamed)).toBe(sha256(bytes));
    });

    test(
      'an oversized put fails with PayloadTooLargeError and keeps the previous object',
      async () => {
        const store = track(await options.createLimited!(1024));
        expect(store.maxObjectSize).toBe(1024);
        await store.put('limited', 'previous version');
        await typed(store.put('limited', randomBytes(2048)), PayloadTooLargeError.isInstance);
        await typed(
          store.put('limited', Readable.from([randomBytes(600), randomBytes(600)])),
          PayloadTooLargeError.isInstance,
        );
        await typed(store.put('new-key', Readable.from([randomBytes(2000)])), PayloadTooLargeError.isInstance);
        expect(Buffer.from((await store.get('limited')).body).toString()).toBe('previous version');
        await typed(store.head('new-key'), NotFoundError.isInstance);
        expect((await store.list()).objects.map((o) => o.key)).toEqual(['limited']);
      },
      'limited',
    );

    describe('two instances on the same store', () => {
      test(
        'an object written by one is read and listed by the other',
        async () => {
          const store = await create();
          const other = track(await harness.createSibling!(store));
          await store.put('shared/doc', 'from one', { metadata: { by: 'one' } });
          expect(Buffer.from((await other.get('shared/doc')).body).toString()).toBe('from one');
          expect((await other.list({ prefix: 'shared/' })).objects.map((o) => o.key)).toEqual(['shared/doc']);
          await other.delete('shared/doc');
          await typed(store.head('shared/doc'), NotFoundError.isInstance);
        },
        'sibling',
      );
      test(
        'concurrent puts to one key leave one whole version',
        async () => {
          const store = await create();
          const other = track(await harness.createSibling!(store));
          const a = randomBytes(256 * 1024);
          const b = randomBytes(256 * 1024);
          await Promise.all([
            store.put('race', Readable.from([a.subarray(0, 100_000), a.subarray(100_000)])),
            other.put('race', Readable.from([b.subarray(0, 100_000), b.subarray(100_000)])),
          ]);
          const final = sha256((await store.get('race')).body);
          expect([sha256(a), sha256(b)]).toContain(final);
        },
        'sibling',
      );
    });
  });
}
