/**
 * The SecretStore specification (types only). A secret is a small map of named string
 * fields, as in Vault KV v2 (`{ access_key_id, secret_access_key }`). Paths are
 * `/`-separated and relative to the store's root; they are never secret, values are.
 */
export type SecretValue = Readonly<Record<string, string>>;

export interface SecretMetadata {
  readonly path: string;
  /** Monotonic version, 1 for the first write (stores without versions report 1). */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Field names only, never values. */
  readonly fields: readonly string[];
}

export interface SecretStoreCapabilities {
  /** `put` and `delete` work; otherwise they throw `UnsupportedError`. */
  readonly writable: boolean;
  /** `metadata().version` increases with each `put`. */
  readonly versioned: boolean;
}

export interface SecretOperationOptions {
  readonly signal?: AbortSignal;
}

export interface SecretStore {
  readonly specificationVersion: 'v1';
  /** The reference scheme this store answers by default (`local`, `vault`, `env`). */
  readonly scheme: string;
  readonly capabilities: SecretStoreCapabilities;
  /** Throws `NotFoundError` when absent, `ForbiddenError` when denied. */
  get(path: string, options?: SecretOperationOptions): Promise<SecretValue>;
  /** Creates or replaces the whole secret. */
  put(path: string, value: SecretValue, options?: SecretOperationOptions): Promise<SecretMetadata>;
  /** Idempotent: deleting an absent secret succeeds. */
  delete(path: string, options?: SecretOperationOptions): Promise<void>;
  /** Every secret path that starts with `prefix` (`''` lists all), sorted. */
  list(prefix: string, options?: SecretOperationOptions): Promise<string[]>;
  /** Throws `NotFoundError` when absent. */
  metadata(path: string, options?: SecretOperationOptions): Promise<SecretMetadata>;
  close?(): Promise<void>;
}
