import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { AuroraError } from '../../errors/aurora-error.js';
import {
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
} from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import { collect, knownSize, limitedChunks } from '../objects/body.js';
import {
  validateListLimit,
  validateObjectKey,
  validateObjectMetadata,
  validateObjectPrefix,
} from '../objects/object-keys.js';
import type { ObjectMetadata, ObjectStore } from '../objects/object-store.js';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Prepended to every key (`aurora/`); list results are relative to it. */
  readonly prefix?: string;
  /** For S3-compatible stores (MinIO, Ceph, R2, s3rver): `http://127.0.0.1:9000`. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Path-style URLs (`endpoint/bucket/key`); most S3-compatible stores need it. */
  readonly forcePathStyle?: boolean;
  /**
   * Static credentials, or a function called when the SDK needs them — pass one that
   * resolves secret references (`resolver.resolveAll('vault:…', { org })`). Default: the
   * SDK's chain (environment, profile, instance role).
   */
  readonly credentials?: S3Credentials | (() => Promise<S3Credentials>);
  /** A client of your own; the options above (but bucket and prefix) then do not apply. */
  readonly client?: S3Client;
  /** Default 5 GiB. */
  readonly maxObjectSize?: number;
  /** Multipart part size for streamed and large bodies. Default 8 MiB (S3 minimum 5 MiB). */
  readonly partSize?: number;
  readonly logger?: Logger;
}

const DEFAULT_MAX = 5 * 1024 ** 3;

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: unknown;
}

/** Maps an SDK failure to a typed error; never carries credentials or bodies. */
function toTyped(error: unknown, operation: string, key: string, bucket: string): Error {
  if (AuroraError.isInstance(error)) return error;
  const sdk = (error ?? {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? '';
  const details = { operation, key, bucket, ...(status === undefined ? {} : { status }), ...(name ? { name } : {}) };
  if (name === 'NoSuchBucket') {
    return new ConfigurationError({ message: `The S3 bucket "${bucket}" does not exist.`, details });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new NotFoundError({ message: `No object at "${key}".`, details });
  }
  if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name) || status === 403) {
    return new ForbiddenError({ message: `S3 denied ${operation} on "${key}" (${name || status}).`, details });
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout') {
    return new TimeoutError({ message: `S3 did not answer ${operation} on "${key}" in time.`, details });
  }
  if (status !== undefined) {
    return new UpstreamError({
      message: `S3 answered ${status} to ${operation} on "${key}".`,
      details,
      retryable: status === 429 || status >= 500 || name === 'SlowDown',
    });
  }
  const code = sdk.code ?? (sdk.cause as SdkError | undefined)?.code ?? name;
  return new ConnectionLostError({
    message: `Cannot reach the S3 endpoint (${code || 'network error'}).`,
    details: { ...details, ...(code ? { code } : {}) },
  });
}

/**
 * ObjectStore on S3 or any S3-compatible store through `@aws-sdk/client-s3`. Bodies of
 * unknown length or over one part go through `@aws-sdk/lib-storage`'s multipart Upload
 * (aborted, leaving nothing, when the body is too large or fails). Checksums are computed
 * only when required, which S3-compatible servers need.
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const logger = options.logger ?? noopLogger;
  const { bucket } = options;
  if (typeof bucket !== 'string' || bucket.length === 0) {
    throw new ConfigurationError({ message: 'The S3 object store needs a bucket.' });
  }
  const base = options.prefix ?? '';
  if (base !== '') validateObjectPrefix(base);
  const maxObjectSize = options.maxObjectSize ?? DEFAULT_MAX;
  const partSize = Math.max(options.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
  const credentials = options.credentials;
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(credentials === undefined
      ? {}
      : { credentials: typeof credentials === 'function' ? credentials : { ...credentials } }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = options.client ?? new S3Client(config);
  const full = (key: string): string => `${base}${key}`;

  const call = async <T>(operation: string, key: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toTyped(error, operation, key, bucket);
    }
  };

  const head = (key: string, signal?: AbortSignal): Promise<ObjectMetadata> => {
    validateObjectKey(key);
    return call('head', key, async () => {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: full(key) }), {
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      return {
        key,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        etag: (out.ETag ?? '').replace(/"/g, ''),
        lastModified: out.LastModified ?? new Date(0),
        metadata: { ...out.Metadata },
      };
    });
  };

  const openBody = async (key: string, signal?: AbortSignal): Promise<{ metadata: ObjectMetadata; body: Readable }> => {
    validateObjectKey(key);
    return call('get', key, async () => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }), {
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      return {
        metadata: {
          key,
          size: out.ContentLength ?? 0,
          contentType: out.ContentType ?? 'application/octet-stream',
          etag: (out.ETag ?? '').replace(/"/g, ''),
          lastModified: out.LastModified ?? new Date(0),
          metadata: { ...out.Metadata },
        },
        body: out.Body as Readable,
      };
    });
  };

  return {
    specificationVersion: 'v1',
    capabilities: { multipart: true },
    maxObjectSize,
    async put(key, body, putOptions = {}) {
      validateObjectKey(key);
      validateObjectMetadata(putOptions.metadata);
      const contentType = putOptions.contentType ?? 'application/octet-stream';
      const metadata = { ...putOptions.metadata };
      const size = knownSize(body);
      const signal = putOptions.signal;
      let etag = '';
      let stored = size ?? 0;
      if (size !== undefined && size <= partSize) {
        const bytes = await collect(body, maxObjectSize);
        const out = await call('put', key, () =>
          client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: full(key),
              Body: bytes,
              ContentType: contentType,
              Metadata: metadata,
            }),
            { ...(signal === undefined ? {} : { abortSignal: signal }) },
          ),
        );
        etag = out.ETag ?? '';
        stored = bytes.byteLength;
      } else {
        let bodyError: unknown;
        let written = 0;
        const chunks = async function* (): AsyncGenerator<Buffer> {
          try {
            for await (const chunk of limitedChunks(body, maxObjectSize)) {
              written += chunk.byteLength;
              yield chunk;
            }
          } catch (error) {
            bodyError = error;
            throw error;
          }
        };
        const controller = new AbortController();
        signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
        const upload = new Upload({
          client,
          params: {
            Bucket: bucket,
            Key: full(key),
            Body: Readable.from(chunks()),
            ContentType: contentType,
            Metadata: metadata,
          },
          partSize,
          queueSize: 2,
          leavePartsOnError: false,
          abortController: controller,
        });
        try {
          const done = await upload.done();
          etag = done.ETag ?? '';
          stored = written;
        } catch (error) {
          if (bodyError !== undefined) throw toTyped(bodyError, 'put', key, bucket);
          throw toTyped(error, 'put', key, bucket);
        }
      }
      logger.debug('object stored', { key });
      // What was written, without another round trip (the store's clock may differ slightly).
      return { key, size: stored, contentType, etag: etag.replace(/"/g, ''), lastModified: new Date(), metadata };
    },
    async get(key, getOptions) {
      const { metadata, body } = await openBody(key, getOptions?.signal);
      const bytes = await collect(body, Number.MAX_SAFE_INTEGER);
      return { metadata, body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    },
    getStream: (key, getOptions) => openBody(key, getOptions?.signal),
    head: (key, headOptions) => head(key, headOptions?.signal),
    async list(listOptions = {}) {
      const prefix = listOptions.prefix ?? '';
      validateObjectPrefix(prefix);
      const limit = validateListLimit(listOptions.limit);
      const out = await call('list', prefix, () =>
        client.send(
          new ListObjectsCommand({
            Bucket: bucket,
            Prefix: full(prefix),
            MaxKeys: limit,
            // ListObjects (v1) with Marker = the last key returned: every S3-compatible store
            // supports it, and s3rver's v2 continuation tokens need DES, absent from OpenSSL 3.
            ...(listOptions.cursor === undefined
              ? {}
              : { Marker: full(Buffer.from(listOptions.cursor, 'base64url').toString('utf8')) }),
          }),
          { ...(listOptions.signal === undefined ? {} : { abortSignal: listOptions.signal }) },
        ),
      );
      const keys = (out.Contents ?? []).flatMap((item) =>
        item.Key === undefined || !item.Key.startsWith(base) ? [] : [item.Key.slice(base.length)],
      );
      // Content type and user metadata are not in a listing: one HEAD per object, 8 at a time.
      const objects: ObjectMetadata[] = [];
      for (let index = 0; index < keys.length; index += 8) {
        const batch = await Promise.all(
          keys.slice(index, index + 8).map((key) =>
            head(key, listOptions.signal).catch((error: unknown) => {
              if (NotFoundError.isInstance(error)) return undefined;
              throw error;
            }),
          ),
        );
        for (const item of batch) if (item !== undefined) objects.push(item);
      }
      return {
        objects,
        ...(out.IsTruncated === true && keys.length > 0
          ? { cursor: Buffer.from(keys.at(-1) ?? '', 'utf8').toString('base64url') }
          : {}),
      };
    },
    async delete(key, deleteOptions) {
      validateObjectKey(key);
      await call('delete', key, () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: full(key) }), {
          ...(deleteOptions?.signal === undefined ? {} : { abortSignal: deleteOptions.signal }),
        }),
      );
    },
    async copy(sourceKey, destinationKey, copyOptions) {
      validateObjectKey(sourceKey);
      validateObjectKey(destinationKey);
      const source = await head(sourceKey, copyOptions?.signal);
      if (source.size > maxObjectSize) {
        throw new ConfigurationError({ message: 'The source object exceeds this store’s maximum size.' });
      }
      await call('copy', sourceKey, () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: full(destinationKey),
            CopySource: `${bucket}/${full(sourceKey).split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'COPY',
          }),
          { ...(copyOptions?.signal === undefined ? {} : { abortSignal: copyOptions.signal }) },
        ),
      );
      return head(destinationKey, copyOptions?.signal);
    },
    close() {
      if (options.client === undefined) client.destroy();
      return Promise.resolve();
    },
  };
}
