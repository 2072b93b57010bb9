/**
 * Holds streamed model text back to word boundaries before it is emitted, so a secret split
 * across two chunks (`sk-ab` + `cd…`) reaches the redactor whole. Secrets and their encoded
 * forms contain no white space, so emitting only up to the last white space keeps each one
 * inside a single event. A run of `maxHold` characters without white space is emitted as is
 * (default 1 024, longer than any key or token the redactor is taught).
 */
export interface TokenBuffer {
  push(text: string): void;
  /** Emits whatever is held (end of the model turn). */
  flush(): void;
}

export function createTokenBuffer(
  emit: (text: string) => void,
  options: { readonly maxHold?: number } = {},
): TokenBuffer {
  const maxHold = options.maxHold ?? 1024;
  let held = '';
  return {
    push(text) {
      held += text;
      const boundary = Math.max(held.lastIndexOf(' '), held.lastIndexOf('\n'), held.lastIndexOf('\t'));
      if (boundary >= 0) {
        emit(held.slice(0, boundary + 1));
        held = held.slice(boundary + 1);
      }
      if (held.length >= maxHold) {
        emit(held);
        held = '';
      }
    },
    flush() {
      if (held) emit(held);
      held = '';
    },
  };
}
