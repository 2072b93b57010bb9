import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, DataCorruptedError, InvalidInputError, NotFoundError } from '../errors/errors.js';
import { parseJson } from '../internal/json.js';
import { noopLogger, type Logger } from '../logging/logger.js';
import { SECRET_KEY_VARIABLE, secretKeyFromEnvironment } from './env-secret-key.js';
import { assertSecretPath } from './secret-reference.js';
import type { SecretMetadata, SecretStore, SecretValue } from './secret-store.js';

export interface LocalSecretStoreOptions {
  /** Where secrets (and, without `key` or `AURORA_SECRET_KEY`, the key file) live. */
  readonly directory: string;
  /**
   * 32 bytes, or their base64 / hex text. Default: `AURORA_SECRET_KEY`, else the key file
   * `<directory>/secret.key`, created with mode 0600 on first use.
   */
  readonly key?: Uint8Array | string;
  /** Overrides the key file's location. */
  readonly keyFile?: string;
  readonly logger?: Logger;
}

const FORMAT = 'aurora-secret/v1';
const KEY_BYTES = 32;

interface Envelope {
  readonly format: typeof FORMAT;
  readonly path: string;
  readonly keyId: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

interface Plain {
  readonly value: Record<string, string>;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function decodeKey(key: Uint8Array | string, source: string): Buffer {
  if (typeof key !== 'string') {
    if (key.byteLength === KEY_BYTES) return Buffer.from(key);
  } else {
    const text = key.trim();
    const decoded = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (decoded.byteLength === KEY_BYTES && /^[A-Za-z0-9+/=_-]+$/.test(text)) return decoded;
  }
  throw new ConfigurationError({
    message: `${source} must be 32 random bytes as base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32`,
    details: { source },
  });
}

async function loadOrCreateKeyFile(file: string, logger: Logger): Promise<Buffer> {
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      logger.warn('secret key file is readable by group or others; tightening to 0600', { file });
      await chmod(file, 0o600);
    }
    return decodeKey(await readFile(file, 'utf8'), `key file ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  // Written whole to a temporary file, then linked into place: `link` fails if the file exists,
  // so two processes starting together agree on the first key, and neither can read a file the
  // other has created but not yet written.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    logger.info('created a new secret key file; back it up: secrets cannot be read without it', { file });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return decodeKey(await readFile(file, 'utf8'), `key file ${file}`);
  } finally {
    await rm(temp, { force: true });
  }
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record.format === FORMAT &&
    ['path', 'keyId', 'iv', 'tag', 'data'].every((field) => typeof record[field] === 'string')
  );
}

function isPlain(value: unknown): value is Plain {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const fields = record.value;
  return (
    typeof record.version === 'number' &&
    typeof record.createdAt === 'string' &&
    typeof record.updatedAt === 'string' &&
    typeof fields === 'object' &&
    fields !== null &&
    Object.values(fields).every((field) => typeof field === 'string')
  );
}

function assertSecretValue(value: SecretValue): void {
  const fields = typeof value === 'object' && value !== null ? Object.entries(value) : undefined;
  if (fields === undefined || fields.some(([, field]) => typeof field !== 'string')) {
    throw new InvalidInputError({
      message: 'A secret is an object of string fields, e.g. { token: "…" }.',
      details: { reason: 'secret value shape' },
    });
  }
}

/**
 * The embedded secret store: one AES-256-GCM encrypted file per secret, named by a hash of
 * its path, written atomically (temp file, fsync, rename). The path is bound to the
 * ciphertext as additional data, so a file moved or edited is detected
 * (`DataCorruptedError`); a file written under another key is a `ConfigurationError`.
 */
export function createLocalSecretStore(options: LocalSecretStoreOptions): SecretStore {
  const logger = options.logger ?? noopLogger;
  const secretsDir = join(options.directory, 'secrets');
  const tmpDir = join(options.directory, 'tmp');
  let ready: Promise<{ key: Buffer; keyId: string }> | undefined;

  const init = (): Promise<{ key: Buffer; keyId: string }> => {
    ready ??= (async () => {
      await mkdir(secretsDir, { recursive: true, mode: 0o700 });
      await mkdir(tmpDir, { recursive: true, mode: 0o700 });
      const fromEnv = secretKeyFromEnvironment();
      const key =
        options.key !== undefined
          ? decodeKey(options.key, 'the key option')
          : fromEnv !== undefined
            ? decodeKey(fromEnv, SECRET_KEY_VARIABLE)
            : await loadOrCreateKeyFile(options.keyFile ?? join(options.directory, 'secret.key'), logger);
      const keyId = createHmac('sha256', key).update('aurora-key-id').digest('hex').slice(0, 16);
      return { key, keyId };
    })();
    ready.catch(() => {
      ready = undefined;
    });
    return ready;
  };

  const fileFor = (path: string): string => join(secretsDir, `${createHash('sha256').update(path).digest('hex')}.json`);

  const readEnvelope = async (file: string): Promise<Envelope | undefined> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = parseJson(text, 'secret file');
    } catch {
      parsed = undefined;
    }
    if (!isEnvelope(parsed)) {
      throw new DataCorruptedError({ message: 'A secret file is not a valid envelope.', details: { file } });
    }
    return parsed;
  };

  const unseal = async (path: string): Promise<Plain | undefined> => {
    const { key, keyId } = await init();
    const envelope = await readEnvelope(fileFor(path));
    if (envelope === undefined) return undefined;
    if (envelope.path !== path) {
      throw new DataCorruptedError({ message: 'A secret file holds another path.', details: { path } });
    }
    if (envelope.keyId !== keyId) {
      throw new ConfigurationError({
        message: `Secret "${path}" was encrypted with another key (key id ${envelope.keyId}, current ${keyId}). Set ${SECRET_KEY_VARIABLE} or the key file to the key it was written with.`,
        details: { path, keyId: envelope.keyId, currentKeyId: keyId },
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(Buffer.from(`${FORMAT}\0${path}`));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
      const parsed = parseJson(plain.toString('utf8'), 'secret');
      if (!isPlain(parsed)) throw new Error('unexpected shape');
      return parsed;
    } catch (error) {
      // No cause: a partial plaintext must not travel with the error.
      void error;
      throw new DataCorruptedError({
        message: `Secret "${path}" failed its integrity check: the file was modified or damaged.`,
        details: { path },
      });
    }
  };

  const seal = async (path: string, plain: Plain): Promise<void> => {
    const { key, keyId } = await init();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${FORMAT}\0${path}`));
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      format: FORMAT,
      path,
      keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const temp = join(tmpDir, `${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(envelope));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, fileFor(path));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  const toMetadata = (path: string, plain: Plain): SecretMetadata => ({
    path,
    version: plain.version,
    createdAt: new Date(plain.createdAt),
    updatedAt: new Date(plain.updatedAt),
    fields: Object.keys(plain.value).sort(),
  });

  const required = async (path: string): Promise<Plain> => {
    assertSecretPath(path);
    const plain = await unseal(path);
    if (plain === undefined) {
      throw new NotFoundError({ message: `No secret at "${path}".`, details: { path, scheme: 'local' } });
    }
    return plain;
  };

  return {
    specificationVersion: 'v1',
    scheme: 'local',
    capabilities: { writable: true, versioned: true },
    async get(path) {
      return { ...(await required(path)).value };
    },
    async put(path, value) {
      assertSecretPath(path);
      assertSecretValue(value);
      const previous = await unseal(path);
      const time = new Date().toISOString();
      const plain: Plain = {
        value: { ...value },
        version: (previous?.version ?? 0) + 1,
        createdAt: previous?.createdAt ?? time,
        updatedAt: time,
      };
      await seal(path, plain);
      return toMetadata(path, plain);
    },
    async delete(path) {
      assertSecretPath(path);
      await init();
      await rm(fileFor(path), { force: true });
    },
    async list(prefix) {
      await init();
      const paths: string[] = [];
      for (const name of await readdir(secretsDir)) {
        if (!name.endsWith('.json')) continue;
        try {
          const envelope = await readEnvelope(join(secretsDir, name));
          if (envelope !== undefined && envelope.path.startsWith(prefix)) paths.push(envelope.path);
        } catch (error) {
          if (!DataCorruptedError.isInstance(error)) throw error;
          logger.warn('skipping a damaged secret file while listing', { file: name });
        }
      }
      return paths.sort();
    },
    async metadata(path) {
      return toMetadata(path, await required(path));
    },
  };
}
