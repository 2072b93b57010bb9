import { AuroraError } from '../errors/aurora-error.js';
import { ConfigurationError, ForbiddenError, InvalidSecretReferenceError } from '../errors/errors.js';
import { createSecretRedactor, type SecretRedactor } from './redactor.js';
import { bindOrg, parseSecretReference, type SecretReference } from './secret-reference.js';
import type { SecretStore, SecretValue } from './secret-store.js';

/**
 * `org`: a reference resolved for an org must point inside that org's area
 * (`…/orgs/<org>/…`), so no org can name another org's secret.
 * `deployment`: secrets of the deployment itself (environment variables); resolved for an
 * org only when `allowDeploymentSecrets` says so, and always by `resolveDeployment`.
 */
export type SecretScope = 'org' | 'deployment';

export interface SchemeRegistration {
  readonly store: SecretStore;
  /** Default: `deployment` for the `env` scheme, `org` for every other. */
  readonly scope?: SecretScope;
}

export interface SecretResolverOptions {
  /** Stores by reference scheme: `{ local, vault, env }`, or any scheme of your own. */
  readonly stores: Readonly<Record<string, SecretStore | SchemeRegistration>>;
  /** How long plaintext stays in process memory. Default 60 000 ms; 0 disables the cache. */
  readonly ttlMs?: number;
  /** Learns every resolved value. Default: a new redactor, exposed as `resolver.redactor`. */
  readonly redactor?: SecretRedactor;
  /** The path segment that precedes an org id in org-scoped paths. Default `orgs`. */
  readonly orgSegment?: string;
  /** Whether `deployment`-scoped references may be resolved for `org`. Default: never. */
  readonly allowDeploymentSecrets?: boolean | ((org: string) => boolean);
  /** Clock for the cache (tests). */
  readonly now?: () => number;
}

export interface ResolveOptions {
  /** The org the value is resolved for; fills `{org}` and bounds org-scoped paths. */
  readonly org: string;
  readonly signal?: AbortSignal;
}

export interface SecretResolver {
  /** One string: the reference's `#field`, or the secret's only field. */
  resolve(reference: string, options: ResolveOptions): Promise<string>;
  /** Every field of the secret. */
  resolveAll(reference: string, options: ResolveOptions): Promise<SecretValue>;
  /** A deployment secret (server configuration), outside any org. `{org}` is not allowed. */
  resolveDeployment(reference: string, options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** Checks syntax, scheme and scope without reading the store. */
  validate(reference: string, options: { readonly org?: string }): SecretReference;
  /** Adds a scheme. A scheme already registered is a `ConfigurationError`. */
  register(scheme: string, registration: SecretStore | SchemeRegistration): void;
  /** Drops cached plaintext: everything, or the secret one reference names for one org. */
  invalidate(reference?: string, options?: { readonly org: string }): void;
  readonly redactor: SecretRedactor;
  readonly schemes: readonly string[];
}

interface CacheEntry {
  readonly expires: number;
  readonly value: Promise<SecretValue>;
}

function normalise(scheme: string, registration: SecretStore | SchemeRegistration): Required<SchemeRegistration> {
  const store = 'store' in registration ? registration.store : registration;
  const declared = 'store' in registration ? registration.scope : undefined;
  return { store, scope: declared ?? (scheme === 'env' ? 'deployment' : 'org') };
}

/**
 * Turns references into values for an org. Plaintext is cached in process memory only, for
 * `ttlMs`; concurrent resolutions of one secret share one store read. Every value read is
 * taught to the redactor before it is returned.
 */
export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const orgSegment = options.orgSegment ?? 'orgs';
  const redactor = options.redactor ?? createSecretRedactor();
  const schemes = new Map<string, Required<SchemeRegistration>>();
  const cache = new Map<string, CacheEntry>();
  const allowDeployment = (org: string): boolean =>
    typeof options.allowDeploymentSecrets === 'function'
      ? options.allowDeploymentSecrets(org)
      : options.allowDeploymentSecrets === true;

  const register = (scheme: string, registration: SecretStore | SchemeRegistration): void => {
    if (schemes.has(scheme)) {
      throw new ConfigurationError({
        message: `Secret scheme "${scheme}" is already registered.`,
        details: { scheme },
      });
    }
    parseSecretReference(`${scheme}:x`);
    schemes.set(scheme, normalise(scheme, registration));
  };
  for (const [scheme, registration] of Object.entries(options.stores)) register(scheme, registration);

  const registrationFor = (reference: SecretReference): Required<SchemeRegistration> => {
    const registration = schemes.get(reference.scheme);
    if (registration === undefined) {
      throw new InvalidSecretReferenceError({
        message: `Unknown secret scheme "${reference.scheme}". Registered: ${[...schemes.keys()].join(', ') || 'none'}.`,
        details: { reason: 'unknown scheme', scheme: reference.scheme },
      });
    }
    return registration;
  };

  /** The concrete path for `org`, after the scope checks. */
  const pathFor = (reference: SecretReference, org: string | undefined): string => {
    const { scope } = registrationFor(reference);
    if (org === undefined) {
      if (reference.path.includes('{org}')) {
        throw new InvalidSecretReferenceError({
          message: 'This reference holds {org} but was resolved outside any org.',
          details: { reason: 'org placeholder without org', scheme: reference.scheme },
        });
      }
      return reference.path;
    }
    const path = bindOrg(reference, org);
    if (scope === 'deployment') {
      if (!allowDeployment(org)) {
        throw new ForbiddenError({
          message: `"${reference.scheme}:" references are deployment secrets and this deployment does not let orgs use them (allowDeploymentSecrets).`,
          details: { scheme: reference.scheme, org },
        });
      }
      return path;
    }
    const segments = path.split('/');
    const owners = segments.flatMap((segment, index) =>
      segment === orgSegment && index + 1 < segments.length ? [segments[index + 1]] : [],
    );
    if (owners.length === 0 || owners.some((owner) => owner !== org)) {
      throw new ForbiddenError({
        message: `An org can only resolve secrets under "${orgSegment}/{org}/"; this reference points elsewhere.`,
        details: { scheme: reference.scheme, path, org },
      });
    }
    return path;
  };

  const read = (reference: SecretReference, path: string, signal: AbortSignal | undefined): Promise<SecretValue> => {
    const { store } = registrationFor(reference);
    const key = `${reference.scheme}:${path}`;
    const hit = cache.get(key);
    if (hit !== undefined && hit.expires > now()) return hit.value;
    const value = store.get(path, signal === undefined ? {} : { signal }).then((secret) => {
      redactor.learn(secret);
      return secret;
    });
    if (ttlMs > 0) {
      cache.set(key, { expires: now() + ttlMs, value });
      // A failed read is not cached.
      value.catch(() => {
        if (cache.get(key)?.value === value) cache.delete(key);
      });
    }
    return value;
  };

  const pick = (reference: SecretReference, secret: SecretValue): string => {
    if (reference.field !== undefined) {
      const value = secret[reference.field];
      if (value === undefined) {
        throw new InvalidSecretReferenceError({
          message: `The secret has no field "${reference.field}". Fields: ${Object.keys(secret).join(', ') || 'none'}.`,
          details: { reason: 'unknown field', scheme: reference.scheme, field: reference.field },
        });
      }
      return value;
    }
    const fields = Object.keys(secret);
    const [only] = fields;
    if (fields.length !== 1 || only === undefined) {
      throw new InvalidSecretReferenceError({
        message: `The secret has ${fields.length} fields (${fields.join(', ')}); name one with #field.`,
        details: { reason: 'field required', scheme: reference.scheme },
      });
    }
    return secret[only] ?? '';
  };

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      // Store errors are typed already; anything else is wrapped without its message,
      // which a third-party store might have filled with the value.
      if (AuroraError.isInstance(error)) throw error;
      throw AuroraError.from(error);
    }
  };

  return {
    resolve: (text, { org, signal }) =>
      guard(async () => {
        const reference = parseSecretReference(text);
        return pick(reference, await read(reference, pathFor(reference, org), signal));
      }),
    resolveAll: (text, { org, signal }) =>
      guard(async () => {
        const reference = parseSecretReference(text);
        return { ...(await read(reference, pathFor(reference, org), signal)) };
      }),
    resolveDeployment: (text, resolveOptions = {}) =>
      guard(async () => {
        const reference = parseSecretReference(text);
        return pick(reference, await read(reference, pathFor(reference, undefined), resolveOptions.signal));
      }),
    validate(text, { org }) {
      const reference = parseSecretReference(text);
      pathFor(reference, org);
      return reference;
    },
    register,
    invalidate(text, invalidateOptions) {
      if (text === undefined) {
        cache.clear();
        return;
      }
      const reference = parseSecretReference(text);
      cache.delete(`${reference.scheme}:${pathFor(reference, invalidateOptions?.org)}`);
    },
    redactor,
    get schemes() {
      return [...schemes.keys()];
    },
  };
}
