/**
 * The Cache and RateLimiter specifications (types only). Values are strings (encode JSON
 * yourself); keys are any non-empty string up to 512 characters, namespaced by the
 * adapter's prefix. Both are shared across replicas when backed by Redis.
 */
export interface CacheSetOptions {
  /** Time to live; absent means no expiry. */
  readonly ttlMs?: number;
}

export interface Cache {
  readonly specificationVersion: 'v1';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: CacheSetOptions): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Atomic add; a missing key starts at 0. `ttlMs` applies only when the key is created. */
  increment(key: string, by?: number, options?: CacheSetOptions): Promise<number>;
  close(): Promise<void>;
}

export interface RateLimitOptions {
  /** Points allowed per window. */
  readonly points: number;
  /** Window length. Fixed windows that start at a key's first consume (rate-limiter-flexible semantics). */
  readonly durationMs: number;
  /** Namespaces the limiter's keys (`api`, `login`). */
  readonly keyPrefix: string;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Points left in the window (0 when refused). */
  readonly remaining: number;
  /** When `allowed` is false: wait this long; otherwise when the window resets. */
  readonly retryAfterMs: number;
  readonly limit: number;
}

export interface RateLimiter {
  readonly specificationVersion: 'v1';
  readonly options: RateLimitOptions;
  /** Takes `points` (default 1) for `key`. A refusal is a decision, not an error. */
  consume(key: string, points?: number): Promise<RateLimitDecision>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
