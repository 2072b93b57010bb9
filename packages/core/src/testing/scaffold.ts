import { afterEach, it } from 'vitest';
import type { ConformanceHarness } from './harness.js';

/** Why a named test is skipped by the harness, or undefined. */
export function skipReason(harness: ConformanceHarness<unknown>, test: string): string | undefined {
  return harness.skip?.find((entry) => entry.tests.includes(test) || entry.tests.includes('*'))?.reason;
}

export interface Scaffold<T> {
  /** A store from `harness.create()`, released after the test. */
  create(): Promise<T>;
  /** A second instance on the same backing store, released after the test (before `of`). */
  sibling(of: T): Promise<T>;
  /** Releases `item` after the test too (a store made some other way). */
  track(item: T): T;
  /**
   * A test that reports itself skipped, with the reason, when the harness names it, when it
   * needs a sibling the harness cannot make, or when `unless` gives a reason.
   */
  test(
    title: string,
    fn: () => Promise<void>,
    options?: { readonly needsSibling?: boolean; readonly unless?: () => string | undefined },
  ): void;
}

/**
 * What every conformance suite needs: stores made per test and released after it (newest
 * first, so siblings go before the store that may own the backing store), and skips that
 * carry their reason. Call inside a `describe`.
 */
export function conformanceScaffold<T>(harness: ConformanceHarness<T>, close: (item: T) => Promise<void>): Scaffold<T> {
  const open: T[] = [];
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) {
      await close(item);
      await harness.destroy(item);
    }
  });
  const track = (item: T): T => {
    open.push(item);
    return item;
  };
  return {
    create: async () => track(await harness.create()),
    sibling: async (of) => track(await harness.createSibling!(of)),
    track,
    test: (title, fn, options = {}) =>
      it(title, async (context) => {
        const reason =
          skipReason(harness, title) ??
          (options.needsSibling === true && harness.createSibling === undefined
            ? 'the harness has no createSibling'
            : undefined) ??
          options.unless?.();
        if (reason !== undefined) context.skip(reason);
        await fn();
      }),
  };
}
