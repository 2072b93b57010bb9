import { InvalidInputError } from '../errors/errors.js';

/** Nesting deeper than this is refused (a guard against stack exhaustion). */
export const CANONICAL_JSON_MAX_DEPTH = 100;

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'a non-finite number';
  if (typeof value === 'object' && value !== null) return 'a non-plain object';
  return `a ${typeof value}`;
}

function refuse(value: unknown, path: string, why?: string): never {
  const shortPath = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  // The value itself is never quoted: arguments may carry secrets.
  throw new InvalidInputError({
    message: `Arguments must be plain JSON: ${why ?? `${describe(value)} at ${shortPath} is not allowed`}.`,
    details: { path: shortPath, kind: why === undefined ? describe(value) : 'structure' },
  });
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, path: string, depth: number, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(value, path);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      refuse(value, path);
  }
  if (depth >= CANONICAL_JSON_MAX_DEPTH) refuse(value, path, `nesting deeper than ${CANONICAL_JSON_MAX_DEPTH} levels`);
  if (ancestors.has(value)) refuse(value, path, `a circular reference at ${path}`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let index = 0; index < value.length; index += 1) {
        const itemPath = `${path}[${index}]`;
        if (!Object.hasOwn(value, index)) refuse(undefined, itemPath);
        items.push(write(value[index], itemPath, depth + 1, ancestors));
      }
      return `[${items.join(',')}]`;
    }
    if (!isPlainObject(value)) refuse(value, path);
    if (Object.getOwnPropertySymbols(value).length > 0) refuse(value, path, `a symbol key at ${path}`);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const members = keys.map(
      (key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, depth + 1, ancestors)}`,
    );
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Canonical JSON text: object keys sorted (by UTF-16 code unit) at every level, arrays in
 * their order, no whitespace, numbers and strings as `JSON.stringify` writes them. Two values
 * that are equal as JSON give the same text. Anything JSON cannot carry exactly (functions,
 * `undefined`, symbols, bigints, NaN, ±Infinity, array holes, Dates, Maps, class instances,
 * cycles) is an `InvalidInputError` naming where, never what.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0, new Set());
}
