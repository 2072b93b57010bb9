import { ForbiddenError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors/errors.js';
import type { SecretMetadata, SecretStore, SecretValue } from './secret-store.js';

export interface EnvSecretStoreOptions {
  /** The variables to read. Default: `process.env`, read at each call. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Names the store may read: exact names or prefixes ending in `*` (`AWS_*`). Default:
   * every name except `AURORA_SECRET_KEY`, which guards the local store.
   */
  readonly allow?: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ALWAYS_DENIED = new Set(['AURORA_SECRET_KEY']);

/**
 * Environment variables as read-only secrets: `env:NAME` resolves to the single field
 * `value`. Writes are `UnsupportedError`. References to this scheme are deployment-scoped
 * (see `createSecretResolver`).
 */
export function createEnvSecretStore(options: EnvSecretStoreOptions = {}): SecretStore {
  const started = new Date();
  const environment = (): Readonly<Record<string, string | undefined>> => options.env ?? process.env;
  const allowed = (name: string): boolean =>
    !ALWAYS_DENIED.has(name) &&
    (options.allow === undefined ||
      options.allow.some((rule) => (rule.endsWith('*') ? name.startsWith(rule.slice(0, -1)) : name === rule)));

  const read = (name: string): string => {
    if (!NAME.test(name)) {
      throw new InvalidInputError({
        message: 'An env: path is one variable name ([A-Za-z_][A-Za-z0-9_]*).',
        details: { reason: 'variable name' },
      });
    }
    if (!allowed(name)) {
      throw new ForbiddenError({
        message: `Environment variable ${name} is not in this store's allow list.`,
        details: { name, scheme: 'env' },
      });
    }
    const value = environment()[name];
    if (value === undefined) {
      throw new NotFoundError({
        message: `Environment variable ${name} is not set.`,
        details: { name, scheme: 'env' },
      });
    }
    return value;
  };

  const readOnly = (): never => {
    throw new UnsupportedError({ message: 'The env secret store is read-only.', details: { scheme: 'env' } });
  };

  return {
    specificationVersion: 'v1',
    scheme: 'env',
    capabilities: { writable: false, versioned: false },
    get(name): Promise<SecretValue> {
      return Promise.resolve().then(() => ({ value: read(name) }));
    },
    put: () => Promise.resolve().then(readOnly),
    delete: () => Promise.resolve().then(readOnly),
    list(prefix) {
      return Promise.resolve(
        Object.keys(environment())
          .filter((name) => name.startsWith(prefix) && NAME.test(name) && allowed(name))
          .sort(),
      );
    },
    metadata(name): Promise<SecretMetadata> {
      return Promise.resolve().then(() => {
        read(name);
        return { path: name, version: 1, createdAt: started, updatedAt: started, fields: ['value'] };
      });
    },
  };
}
