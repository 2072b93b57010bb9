import { AuroraError, type AuroraErrorOptions } from '../errors/aurora-error.js';

/* Errors callers of the ConfirmationService branch on. Each carries a `Symbol.for` marker,
   like the classes in `errors/errors.ts`, so `isInstance` works across bundles. */

const mark = (error: AuroraError, name: string): void => {
  Object.defineProperty(error, Symbol.for(`aurora.error.${name}`), { value: true, enumerable: false });
};

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
    return AuroraError.hasMarker(error, 'aurora.error.ConfirmationConflictError');
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
    return AuroraError.hasMarker(error, 'aurora.error.ConfirmationExpiredError');
  }
}
