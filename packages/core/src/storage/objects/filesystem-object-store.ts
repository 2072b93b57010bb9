import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { DataCorruptedError, NotFoundError } from '../../errors/errors.js';
import { parseJson } from '../../internal/json.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import { limitedChunks } from './body.js';
import { validateListLimit, validateObjectKey, validateObjectMetadata, validateObjectPrefix } from './object-keys.js';
import type { ObjectMetadata, ObjectStore } from './object-store.js';

export interface FilesystemObjectStoreOptions {
  readonly directory: string;
  /** Default 5 GiB. */
  readonly maxObjectSize?: number;
  readonly logger?: Logger;
}

interface Header {
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: string;
  readonly metadata: Record<string, string>;
}

const DEFAULT_MAX = 5 * 1024 ** 3;
const FILE_SUFFIX = '.o';
const DIR_SUFFIX = '.d';

/** `a/b/c` → `a.d/b.d/c.o`: a key and a key below it (`a`, `a/b`) never collide on disk. */
function relativePath(key: string): string {
  const segments = key.split('/');
  const last = segments.pop() ?? '';
  return [...segments.map((segment) => `${segment}${DIR_SUFFIX}`), `${last}${FILE_SUFFIX}`].join(sep);
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Parses the trailer at the end of `bytes`, the last `bytes.length` bytes of a file of `fileSize`. */
function parseTrailer(bytes: Buffer, key: string, fileSize = bytes.byteLength): Header {
  const damaged = (): DataCorruptedError =>
    new DataCorruptedError({ message: `Object "${key}" is damaged (bad trailer).`, details: { key } });
  if (bytes.byteLength < 4) throw damaged();
  const length = bytes.readUInt32BE(bytes.byteLength - 4);
  if (length === 0 || length > 65_536 || length + 4 > bytes.byteLength) throw damaged();
  let header: Header;
  try {
    header = parseJson(
      bytes.subarray(bytes.byteLength - 4 - length, bytes.byteLength - 4).toString('utf8'),
      'object header',
    ) as Header;
  } catch {
    throw damaged();
  }
  if (header.key !== key || header.size !== fileSize - 4 - length) throw damaged();
  return header;
}

function toMetadata(header: Header): ObjectMetadata {
  return {
    key: header.key,
    size: header.size,
    contentType: header.contentType,
    etag: header.etag,
    lastModified: new Date(header.lastModified),
    metadata: { ...header.metadata },
  };
}

/**
 * The embedded ObjectStore: one file per object under `<directory>/objects`, holding the
 * body and then a JSON trailer (content type, metadata, size, MD5 etag) with its length.
 * A put writes a temp file and renames it over the old one, so readers see the old
 * object or the new one, never a part; a failed or oversized put leaves nothing behind.
 * Listing walks the tree (fine for the embedded default; use S3 for millions of objects).
 */
export function createFilesystemObjectStore(options: FilesystemObjectStoreOptions): ObjectStore {
  const logger = options.logger ?? noopLogger;
  const root = resolve(options.directory, 'objects');
  const tmp = resolve(options.directory, 'tmp');
  const maxObjectSize = options.maxObjectSize ?? DEFAULT_MAX;
  let ready: Promise<void> | undefined;
  const init = (): Promise<void> => {
    ready ??= Promise.all([mkdir(root, { recursive: true }), mkdir(tmp, { recursive: true })]).then(() => undefined);
    return ready;
  };

  const pathOf = (key: string): string => {
    validateObjectKey(key);
    const path = resolve(root, relativePath(key));
    // Belt and braces: validation already rules out escaping the root.
    if (!path.startsWith(`${root}${sep}`)) throw new Error('unreachable: object path escapes the store');
    return path;
  };

  /** The header is a trailer: `body ‖ header JSON ‖ uint32 BE header length`, so a put is one pass. */
  const readHeader = async (handle: FileHandle, key: string): Promise<Header> => {
    const { size: fileSize } = await handle.stat();
    const tail = Buffer.alloc(Math.min(fileSize, 4096));
    await handle.read(tail, 0, tail.byteLength, fileSize - tail.byteLength);
    const length = tail.byteLength >= 4 ? tail.readUInt32BE(tail.byteLength - 4) : 0;
    if (length + 4 <= tail.byteLength || length + 4 > fileSize) return parseTrailer(tail, key, fileSize);
    // A large header: read it whole.
    const full = Buffer.alloc(length + 4);
    await handle.read(full, 0, full.byteLength, fileSize - full.byteLength);
    return parseTrailer(full, key, fileSize);
  };

  const openObject = async (key: string): Promise<{ handle: FileHandle; header: Header }> => {
    const path = pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new NotFoundError({ message: `No object at "${key}".`, details: { key } });
      }
      throw error;
    }
    try {
      return { handle, header: await readHeader(handle, key) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  /** Writes `chunks` (after the header) to a temp file and renames it into place. */
  const write = async (
    key: string,
    chunks: AsyncIterable<Buffer>,
    described: Omit<Header, 'size' | 'etag' | 'lastModified'>,
    signal: AbortSignal | undefined,
  ): Promise<ObjectMetadata> => {
    const path = pathOf(key);
    await init();
    const temp = join(tmp, `${randomUUID()}.tmp`);
    const handle = await open(temp, 'wx');
    try {
      const md5 = createHash('md5');
      let size = 0;
      // The last chunk is held back and written with the trailer: one write for small bodies.
      let pending: Buffer | undefined;
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        md5.update(chunk);
        size += chunk.byteLength;
        if (pending !== undefined) await handle.write(pending);
        pending = chunk;
      }
      const header: Header = { ...described, size, etag: md5.digest('hex'), lastModified: new Date().toISOString() };
      const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
      const suffix = Buffer.alloc(4);
      suffix.writeUInt32BE(headerBytes.byteLength, 0);
      await handle.write(Buffer.concat(pending === undefined ? [headerBytes, suffix] : [pending, headerBytes, suffix]));
      await handle.sync();
      await handle.close();
      try {
        await rename(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // First object under this directory.
        await mkdir(resolve(path, '..'), { recursive: true });
        await rename(temp, path);
      }
      return toMetadata(header);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  };

  const walk = async (directory: string, keyPrefix: string, out: string[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name.endsWith(DIR_SUFFIX)) {
        await walk(join(directory, entry.name), `${keyPrefix}${entry.name.slice(0, -DIR_SUFFIX.length)}/`, out);
      } else if (entry.isFile() && entry.name.endsWith(FILE_SUFFIX)) {
        out.push(`${keyPrefix}${entry.name.slice(0, -FILE_SUFFIX.length)}`);
      }
    }
  };

  const head = async (key: string): Promise<ObjectMetadata> => {
    const { handle, header } = await openObject(key);
    await handle.close();
    return toMetadata(header);
  };

  return {
    specificationVersion: 'v1',
    capabilities: { multipart: false },
    maxObjectSize,
    async put(key, body, putOptions = {}) {
      validateObjectKey(key);
      validateObjectMetadata(putOptions.metadata);
      return write(
        key,
        limitedChunks(body, maxObjectSize),
        {
          key,
          contentType: putOptions.contentType ?? 'application/octet-stream',
          metadata: { ...putOptions.metadata },
        },
        putOptions.signal,
      );
    },
    async get(key, getOptions) {
      getOptions?.signal?.throwIfAborted();
      const path = pathOf(key);
      let file: Buffer;
      try {
        // One read of the whole file: the body is wanted whole anyway.
        file = await readFile(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          throw new NotFoundError({ message: `No object at "${key}".`, details: { key } });
        }
        throw error;
      }
      const header = parseTrailer(file, key);
      return {
        metadata: toMetadata(header),
        body: new Uint8Array(file.buffer, file.byteOffset, header.size),
      };
    },
    async getStream(key, getOptions) {
      getOptions?.signal?.throwIfAborted();
      const { handle, header } = await openObject(key);
      // The open handle keeps reading this version even if a put replaces the file meanwhile.
      const body: Readable =
        header.size === 0
          ? Readable.from([])
          : handle.createReadStream({ start: 0, end: header.size - 1, autoClose: true });
      if (header.size === 0) await handle.close();
      getOptions?.signal?.addEventListener('abort', () => body.destroy(getOptions.signal?.reason as Error), {
        once: true,
      });
      return { metadata: toMetadata(header), body };
    },
    head: (key) => head(key),
    async list(listOptions = {}) {
      const prefix = listOptions.prefix ?? '';
      validateObjectPrefix(prefix);
      const limit = validateListLimit(listOptions.limit);
      const after =
        listOptions.cursor === undefined ? undefined : Buffer.from(listOptions.cursor, 'base64url').toString('utf8');
      await init();
      // Start at the deepest directory the prefix names.
      const lastSlash = prefix.lastIndexOf('/');
      const base = lastSlash === -1 ? '' : prefix.slice(0, lastSlash + 1);
      const start =
        base === ''
          ? root
          : resolve(
              root,
              base
                .slice(0, -1)
                .split('/')
                .map((segment) => `${segment}${DIR_SUFFIX}`)
                .join(sep),
            );
      const keys: string[] = [];
      await walk(start, base, keys);
      const selected = keys
        .filter((key) => key.startsWith(prefix) && (after === undefined || compareKeys(key, after) > 0))
        .sort(compareKeys);
      const page = selected.slice(0, limit);
      const objects: ObjectMetadata[] = [];
      for (const key of page) {
        try {
          objects.push(await head(key));
        } catch (error) {
          // Deleted meanwhile, or damaged: list what is readable.
          if (!NotFoundError.isInstance(error)) logger.warn('skipping an unreadable object', { key });
        }
      }
      const last = page.at(-1);
      return {
        objects,
        ...(selected.length > limit && last !== undefined
          ? { cursor: Buffer.from(last, 'utf8').toString('base64url') }
          : {}),
      };
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async copy(sourceKey, destinationKey, copyOptions) {
      validateObjectKey(destinationKey);
      const { handle, header } = await openObject(sourceKey);
      try {
        const stream: Readable =
          header.size === 0
            ? Readable.from([])
            : handle.createReadStream({ start: 0, end: header.size - 1, autoClose: false });
        return await write(
          destinationKey,
          limitedChunks(stream, maxObjectSize),
          { key: destinationKey, contentType: header.contentType, metadata: header.metadata },
          copyOptions?.signal,
        );
      } finally {
        await handle.close();
      }
    },
    close: () => Promise.resolve(),
  };
}
