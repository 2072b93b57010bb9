/**
 * A conservative screen for policy regexes, which run on arguments an attacker may shape
 * (a model can be prompt-injected). JavaScript has no linear-time regex engine without
 * flags, so patterns that can backtrack badly are refused up front, and inputs are capped
 * (`POLICY_MAX_INPUT_LENGTH`). Refused: a repeated group that holds a quantifier or an
 * alternation (`(a+)+`, `(a|aa)*`: exponential), back-references, and more than
 * `MAX_UNBOUNDED_QUANTIFIERS` unbounded quantifiers (`.*a.*b.*c` is cubic).
 */
export const MAX_UNBOUNDED_QUANTIFIERS = 2;

interface Group {
  risky: boolean;
}

/** Why `source` is refused, or `undefined` when it passes the screen. */
export function unsafePatternReason(source: string): string | undefined {
  const stack: Group[] = [{ risky: false }];
  let unbounded = 0;
  let index = 0;
  const markRisky = (): void => {
    for (const group of stack) group.risky = true;
  };
  /** Reads a quantifier at `at`; returns its length and whether it repeats without bound or more than once. */
  const quantifierAt = (at: number): { length: number; repeats: boolean; unbounded: boolean } | undefined => {
    const char = source[at];
    if (char === '*' || char === '+') return { length: source[at + 1] === '?' ? 2 : 1, repeats: true, unbounded: true };
    if (char === '?') return { length: source[at + 1] === '?' ? 2 : 1, repeats: false, unbounded: false };
    if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}\??/.exec(source.slice(at));
      if (match === null) return undefined;
      const max = match[2] === undefined ? Number(match[1]) : match[3] === '' ? Infinity : Number(match[3]);
      return { length: match[0].length, repeats: max > 1, unbounded: max === Infinity };
    }
    return undefined;
  };
  while (index < source.length) {
    const char = source[index];
    if (char === '\\') {
      const next = source[index + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'back-references are not allowed';
      index += 2;
    } else if (char === '[') {
      index += 1;
      if (source[index] === ']') index += 1;
      while (index < source.length && source[index] !== ']') index += source[index] === '\\' ? 2 : 1;
      index += 1;
    } else if (char === '(') {
      stack.push({ risky: false });
      index += 1;
      continue;
    } else if (char === ')') {
      const group = stack.length > 1 ? stack.pop() : undefined;
      const parent = stack.at(-1);
      if (group?.risky === true && parent !== undefined) parent.risky = true;
      index += 1;
      const quantifier = quantifierAt(index);
      if (group !== undefined && quantifier !== undefined) {
        if (quantifier.repeats && group.risky) return 'a repeated group holds a quantifier or an alternation';
        if (quantifier.unbounded) unbounded += 1;
        if (quantifier.repeats) markRisky();
        index += quantifier.length;
      }
      continue;
    } else if (char === '|') {
      const top = stack.at(-1);
      if (top !== undefined) top.risky = true;
      index += 1;
      continue;
    } else {
      index += 1;
    }
    // After an atom (escape, class or character): its quantifier, if any.
    const quantifier = quantifierAt(index);
    if (quantifier !== undefined) {
      if (quantifier.unbounded) unbounded += 1;
      if (quantifier.repeats) markRisky();
      index += quantifier.length;
    }
  }
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) {
    return `more than ${MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers`;
  }
  return undefined;
}
