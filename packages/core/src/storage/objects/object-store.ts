/**
 * The ObjectStore specification (types only). Keys are `/`-separated relative paths
 * (validated: no `..` or `.` segments, no leading `/`, no backslash, no control
 * characters, at most 1024 bytes). Bodies up to `maxObjectSize` bytes.
 */
import type { Readable } from 'node:stream';

export type ObjectBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export interface ObjectMetadata {
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
  /** User metadata: lower-case ASCII keys, string values. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PutObjectOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface GetObjectOptions {
  readonly signal?: AbortSignal;
}

export interface ListObjectsOptions {
  readonly prefix?: string;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
  /** Page size, 1–1000 (default 1000). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

export interface ObjectPage {
  /** Sorted by key. */
  readonly objects: readonly ObjectMetadata[];
  /** Present when more objects follow. */
  readonly cursor?: string;
}

export interface ObjectStoreCapabilities {
  /** Large bodies are uploaded in parts. */
  readonly multipart: boolean;
}

export interface ObjectStore {
  readonly specificationVersion: 'v1';
  readonly capabilities: ObjectStoreCapabilities;
  /** Larger puts fail with `PayloadTooLargeError` and leave nothing behind. */
  readonly maxObjectSize: number;
  /** Writes atomically: readers see the old object or the new one, never a part. */
  put(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<ObjectMetadata>;
  /** Whole body; `NotFoundError` when absent. */
  get(
    key: string,
    options?: GetObjectOptions,
  ): Promise<{ readonly metadata: ObjectMetadata; readonly body: Uint8Array }>;
  /** Streamed body; `NotFoundError` when absent. */
  getStream(
    key: string,
    options?: GetObjectOptions,
  ): Promise<{ readonly metadata: ObjectMetadata; readonly body: Readable }>;
  /** `NotFoundError` when absent. */
  head(key: string, options?: GetObjectOptions): Promise<ObjectMetadata>;
  list(options?: ListObjectsOptions): Promise<ObjectPage>;
  /** Idempotent. */
  delete(key: string, options?: GetObjectOptions): Promise<void>;
  /** Copies body, content type and metadata; `NotFoundError` when the source is absent. */
  copy(sourceKey: string, destinationKey: string, options?: GetObjectOptions): Promise<ObjectMetadata>;
  close(): Promise<void>;
}
