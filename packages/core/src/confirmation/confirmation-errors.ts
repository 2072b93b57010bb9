import { AuroraError, type AuroraErrorOptions } from '../errors/aurora-error.js';

/* Errors callers of the ConfirmationService branch on. Each carries a `Symbol.for` marker,
   like the classes in `errors/errors.ts`, so `isInstance` works across bundles. */

function mark(error: AuroraError, name: string): void {
  Object.defineProperty(error, Symbol.for(`aurora.error.${name}`), { value: true, enumerable: false });
}

function marked(error: unknown, name: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(`aurora.error.${name}`)] === true
  );
}

/**
 * The confirmation is not in a state that allows this: already decided, or a second request
 * for the same (run, tool call) with different arguments. `details.state` gives the stored state.
 */
export class ConfirmationConflictError extends AuroraError {
  override readonly name: string = 'ConfirmationConflictError';
  constructor(options: AuroraErrorOptions = {}) {
    super('CONFLICT', options);
    mark(this, 'ConfirmationConflictError');
  }
  static override isInstance(error: unknown): error is ConfirmationConflictError {
    return marked(error, 'ConfirmationConflictError');
  }
}

/** The confirmation expired before it was decided; it is now in state `expired`. */
export class ConfirmationExpiredError extends AuroraError {
  override readonly name: string = 'ConfirmationExpiredError';
  constructor(options: AuroraErrorOptions = {}) {
    super('EXPIRED', options);
    mark(this, 'ConfirmationExpiredError');
  }
  static override isInstance(error: unknown): error is ConfirmationExpiredError {
    return marked(error, 'ConfirmationExpiredError');
  }
}
