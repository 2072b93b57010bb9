import { InvalidInputError, InvalidSecretReferenceError } from '../errors/errors.js';

/**
 * A parsed secret reference, `scheme:path[#field]`:
 * `vault:kv/data/aurora/orgs/{org}/aws#secret_access_key`, `local:orgs/{org}/slack#token`,
 * `env:AWS_SECRET_ACCESS_KEY`.
 */
export interface SecretReference {
  readonly scheme: string;
  /** `/`-separated; may contain the `{org}` placeholder, filled in at resolution. */
  readonly path: string;
  /** One field of the secret; absent means the whole secret (or its only field). */
  readonly field?: string;
}

/** The placeholder a reference uses for the calling org. */
export const ORG_PLACEHOLDER = '{org}';

const MAX_REFERENCE_LENGTH = 512;
const SCHEME = /^[a-z][a-z0-9-]{0,31}$/;
const SEGMENT = /^(?:[A-Za-z0-9_@=+,-][A-Za-z0-9_.@=+,-]*|\{org\})$/;
const FIELD = /^[A-Za-z0-9_.-]{1,128}$/;
const ORG = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function invalid(reason: string, length: number): InvalidSecretReferenceError {
  // Never quote the text: users paste secret values where references belong.
  return new InvalidSecretReferenceError({
    message: `Malformed secret reference: ${reason}. Expected scheme:path[#field], e.g. local:orgs/{org}/aws#secret_access_key.`,
    details: { reason, length },
  });
}

/** Why a path is not a valid secret path, or undefined when it is. Paths are never secret. */
export function secretPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'the path is empty';
  if (path.length > MAX_REFERENCE_LENGTH) return `the path is longer than ${MAX_REFERENCE_LENGTH} characters`;
  if (path.startsWith('/') || path.endsWith('/')) return 'the path starts or ends with /';
  for (const segment of path.split('/')) {
    if (segment.length === 0) return 'the path has an empty segment (//)';
    if (!SEGMENT.test(segment)) {
      return 'a path segment has a character outside [A-Za-z0-9_.@=+,-], or starts with a dot';
    }
  }
  return undefined;
}

/** Throws `InvalidInputError` unless `path` is a valid concrete secret path (no placeholder). */
export function assertSecretPath(path: string): void {
  const problem = secretPathProblem(path) ?? (path.includes(ORG_PLACEHOLDER) ? 'the path holds {org}' : undefined);
  if (problem !== undefined) {
    throw new InvalidInputError({ message: `Invalid secret path: ${problem}.`, details: { reason: problem } });
  }
}

/**
 * Parses `scheme:path[#field]`. Malformed text is an `InvalidSecretReferenceError` that
 * names what is wrong but never quotes the text.
 */
export function parseSecretReference(text: string): SecretReference {
  if (typeof text !== 'string') throw invalid('the reference is not a string', 0);
  const length = text.length;
  if (length === 0) throw invalid('the reference is empty', 0);
  if (length > MAX_REFERENCE_LENGTH) throw invalid(`the reference is longer than ${MAX_REFERENCE_LENGTH}`, length);
  if (/\s/.test(text)) throw invalid('the reference contains whitespace', length);
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalid('there is no scheme before a colon', length);
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) throw invalid('the scheme must match [a-z][a-z0-9-]*', length);
  const rest = text.slice(colon + 1);
  const hash = rest.indexOf('#');
  const path = hash === -1 ? rest : rest.slice(0, hash);
  const problem = secretPathProblem(path);
  if (problem !== undefined) throw invalid(problem, length);
  if (hash === -1) return { scheme, path };
  const field = rest.slice(hash + 1);
  if (!FIELD.test(field)) throw invalid('the field after # must match [A-Za-z0-9_.-]{1,128}', length);
  return { scheme, path, field };
}

/** True when `text` parses as a secret reference. */
export function isSecretReference(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    parseSecretReference(text);
    return true;
  } catch {
    return false;
  }
}

/** The canonical text of a reference. */
export function formatSecretReference(reference: SecretReference): string {
  const text = `${reference.scheme}:${reference.path}${reference.field === undefined ? '' : `#${reference.field}`}`;
  parseSecretReference(text);
  return text;
}

/** Throws `InvalidInputError` unless `org` is a valid org id (`[a-z0-9][a-z0-9_-]{0,62}`). */
export function assertOrgId(org: string): void {
  if (typeof org !== 'string' || !ORG.test(org)) {
    throw new InvalidInputError({
      message: 'Invalid org id: expected [a-z0-9][a-z0-9_-]{0,62}.',
      details: { reason: 'org id' },
    });
  }
}

/** The reference's path with `{org}` replaced by `org`. */
export function bindOrg(reference: SecretReference, org: string): string {
  assertOrgId(org);
  return reference.path.split(ORG_PLACEHOLDER).join(org);
}
