import { InvalidInputError } from '../errors/errors.js';

/**
 * Parses untrusted JSON. A failure is an `InvalidInputError` that says where, never what:
 * the input may hold a secret, so it is not quoted back.
 */
export function parseJson(text: string, what = 'JSON input'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInputError({
      message: `${what} is not valid JSON.`,
      cause: error,
      details: { length: text.length },
    });
  }
}
