import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuroraError } from '../errors/aurora-error.js';
import { InvalidInputError, NotFoundError, UnsupportedError } from '../errors/errors.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ConformanceHarness } from './harness.js';
import { skipReason } from './scaffold.js';

async function expectTyped<E extends AuroraError>(
  promise: Promise<unknown>,
  errorClass: { isInstance(error: unknown): error is E },
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'expected the call to fail').toBeDefined();
  expect(errorClass.isInstance(error), `unexpected error: ${String(error)}`).toBe(true);
  return error as E;
}

/**
 * The SecretStore conformance suite. Every path it writes lives under a random root, so the
 * store need not be empty and a real Vault can be used. Read-only stores run only the
 * read-only checks.
 */
export function describeSecretStoreConformance(name: string, harness: ConformanceHarness<SecretStore>): void {
  describe(`SecretStore conformance: ${name}`, () => {
    let store: SecretStore;
    const root = `conformance-${randomBytes(4).toString('hex')}`;
    const canary = `canary-${randomBytes(12).toString('hex')}`;

    beforeAll(async () => {
      store = await harness.create();
    });
    afterAll(async () => {
      if (store !== undefined) await harness.destroy(store);
    });

    /** A test that reports itself skipped, with the reason, when the harness or a read-only store says so. */
    const test = (title: string, fn: () => Promise<void>, needsWrites = true): void => {
      it(title, async (context) => {
        const reason =
          skipReason(harness, title) ?? (needsWrites && !store.capabilities.writable ? 'read-only store' : undefined);
        if (reason !== undefined) context.skip(reason);
        await fn();
      });
    };

    test(
      'declares specification v1 and a scheme',
      async () => {
        expect(store.specificationVersion).toBe('v1');
        expect(store.scheme).toMatch(/^[a-z][a-z0-9-]*$/);
        await Promise.resolve();
      },
      false,
    );

    test(
      'a read-only store refuses writes with UnsupportedError',
      async () => {
        if (store.capabilities.writable) {
          await store.delete(`${root}/never-written`);
          return;
        }
        await expectTyped(store.put(`${root}/x`, { value: canary }), UnsupportedError);
        await expectTyped(store.delete(`${root}/x`), UnsupportedError);
      },
      false,
    );

    test('put then get returns every field exactly', async () => {
      const value = { access_key_id: 'AKIA-TEST', secret_access_key: canary, note: 'ünïcödé ✓ "quoted"\nline' };
      const metadata = await store.put(`${root}/aws`, value);
      expect(metadata.fields).toEqual(['access_key_id', 'note', 'secret_access_key']);
      expect(metadata.version).toBe(1);
      expect(await store.get(`${root}/aws`)).toEqual(value);
    });

    test('a second put replaces the secret and bumps the version', async () => {
      await store.put(`${root}/rotate`, { token: 'first-value' });
      const first = await store.metadata(`${root}/rotate`);
      await store.put(`${root}/rotate`, { token: 'second-value', extra: 'x' });
      const second = await store.metadata(`${root}/rotate`);
      expect(await store.get(`${root}/rotate`)).toEqual({ token: 'second-value', extra: 'x' });
      if (store.capabilities.versioned) expect(second.version).toBe(first.version + 1);
      expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
      expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      expect(second.fields).toEqual(['extra', 'token']);
    });

    test(
      'a missing secret is NotFoundError for get and metadata',
      async () => {
        await expectTyped(store.get(`${root}/missing`), NotFoundError);
        await expectTyped(store.metadata(`${root}/missing`), NotFoundError);
      },
      false,
    );

    test('delete removes the secret and is idempotent', async () => {
      await store.put(`${root}/gone`, { token: 'to-be-deleted' });
      await store.delete(`${root}/gone`);
      await expectTyped(store.get(`${root}/gone`), NotFoundError);
      await store.delete(`${root}/gone`);
      expect(await store.list(`${root}/gone`)).toEqual([]);
    });

    test('list returns sorted paths under a prefix, across levels', async () => {
      await store.put(`${root}/list/orgs/acme/b`, { v: 'value-b' });
      await store.put(`${root}/list/orgs/acme/a/deep`, { v: 'value-deep' });
      await store.put(`${root}/list/orgs/acmeco/c`, { v: 'value-c' });
      await store.put(`${root}/list/orgs/zeta/d`, { v: 'value-d' });
      expect(await store.list(`${root}/list/orgs/acme/`)).toEqual([
        `${root}/list/orgs/acme/a/deep`,
        `${root}/list/orgs/acme/b`,
      ]);
      expect(await store.list(`${root}/list/orgs/acme`)).toEqual([
        `${root}/list/orgs/acme/a/deep`,
        `${root}/list/orgs/acme/b`,
        `${root}/list/orgs/acmeco/c`,
      ]);
      expect((await store.list(`${root}/list/`)).length).toBe(4);
      expect(await store.list(`${root}/list/nothing/`)).toEqual([]);
    });

    test('invalid paths are InvalidInputError and write nothing', async () => {
      for (const bad of [
        `${root}/../escape`,
        `/${root}/abs`,
        `${root}//double`,
        `${root}/ctl\u0001`,
        `${root}/sp ace`,
      ]) {
        await expectTyped(store.put(bad, { token: canary }), InvalidInputError);
        await expectTyped(store.get(bad), InvalidInputError);
      }
      expect(await store.list(`${root}/escape`)).toEqual([]);
    });

    test('non-string fields are InvalidInputError', async () => {
      await expectTyped(store.put(`${root}/shape`, { n: 1 as unknown as string }), InvalidInputError);
      await expectTyped(store.get(`${root}/shape`), NotFoundError);
    });

    test('no error message or detail carries a stored value', async () => {
      await store.put(`${root}/quiet`, { token: canary });
      const failures = await Promise.all([
        store.get(`${root}/quiet-missing`).catch((error: unknown) => error),
        store.metadata(`${root}/quiet-missing`).catch((error: unknown) => error),
        store.put(`${root}/../quiet`, { token: canary }).catch((error: unknown) => error),
      ]);
      for (const failure of failures) {
        expect(AuroraError.isInstance(failure)).toBe(true);
        const error = failure as AuroraError;
        expect(JSON.stringify(error.toJSON())).not.toContain(canary);
        expect(String(error.stack)).not.toContain(canary);
      }
    });

    describe('two instances on the same store', () => {
      let sibling: SecretStore | undefined;
      beforeAll(async () => {
        if (harness.createSibling !== undefined) sibling = await harness.createSibling(store);
      });
      afterAll(async () => {
        if (sibling !== undefined) await harness.destroy(sibling);
      });
      const siblingTest = (title: string, fn: (other: SecretStore) => Promise<void>): void => {
        if (harness.createSibling === undefined) {
          it.skip(`${title} (skipped: the harness has no createSibling)`, () => undefined);
          return;
        }
        test(title, () => fn(sibling!));
      };

      siblingTest('a secret written by one is read by the other', async (other) => {
        await store.put(`${root}/shared`, { token: 'shared-value' });
        expect(await other.get(`${root}/shared`)).toEqual({ token: 'shared-value' });
        expect(await other.list(`${root}/shared`)).toEqual([`${root}/shared`]);
      });
      siblingTest('a delete by one is seen by the other', async (other) => {
        await store.put(`${root}/shared-delete`, { token: 'shared-value' });
        await other.delete(`${root}/shared-delete`);
        await expectTyped(store.get(`${root}/shared-delete`), NotFoundError);
      });
      siblingTest('concurrent writes leave one whole value', async (other) => {
        const a = { token: 'writer-a', extra: 'a' };
        const b = { token: 'writer-b', extra: 'b' };
        await Promise.all([store.put(`${root}/race`, a), other.put(`${root}/race`, b)]);
        expect([a, b]).toContainEqual(await store.get(`${root}/race`));
      });
    });
  });
}
