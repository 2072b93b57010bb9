import { AuroraError, type ErrorDetails } from '../../errors/aurora-error.js';

const MARKER = 'aurora.error.ReplayMismatchError';

/**
 * A replayed run asked the model something the recording does not hold: the call's input
 * differs from the recorded one (`details.reason: 'input differs'`, with both hashes and the
 * first differing path), or the run made more calls than were recorded
 * (`'recording exhausted'`). Code `INVALID_INPUT`.
 */
export class ReplayMismatchError extends AuroraError {
  override readonly name: string = 'ReplayMismatchError';

  constructor(options: { readonly message: string; readonly details: ErrorDetails }) {
    super('INVALID_INPUT', { message: options.message, details: options.details });
    Object.defineProperty(this, Symbol.for(MARKER), { value: true, enumerable: false });
  }

  static override isInstance(error: unknown): error is ReplayMismatchError {
    return AuroraError.hasMarker(error, MARKER);
  }
}
