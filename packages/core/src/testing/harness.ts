/**
 * What a conformance suite needs from an adapter under test. Skips are data: each names
 * its reason, and the suite reports the named tests as skipped with that reason.
 */
export interface ConformanceSkip {
  readonly reason: string;
  /** Test names as they appear in the suite, or `'*'` for the whole suite. */
  readonly tests: readonly string[];
}

export interface ConformanceHarness<T> {
  /** A fresh, empty store. */
  create(): Promise<T>;
  /** A second instance on the same backing store as `store`, as a second replica would open it. */
  createSibling?(store: T): Promise<T>;
  /** Releases a store made by `create` or `createSibling`. */
  destroy(store: T): Promise<void>;
  readonly skip?: readonly ConformanceSkip[];
}
