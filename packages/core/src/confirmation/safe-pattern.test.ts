import { describe, expect, it } from 'vitest';
import { unsafePatternReason } from './safe-pattern.js';

describe('unsafePatternReason', () => {
  const accepted = [
    '^"us-',
    'prod|staging',
    '^"i-[0-9a-f]{8,17}"$',
    '^\\["[a-z]+"\\]$',
    '(?:eu|us)-(west|east)-\\d',
    '^".*prod.*"$',
    '[(*+|)]+',
    '\\(a+\\)+',
    '(ab)+',
    '(a|b)?c',
    '^true$',
  ];
  for (const source of accepted) {
    it(`accepts ${source}`, () => {
      expect(unsafePatternReason(source)).toBeUndefined();
      expect(() => new RegExp(source)).not.toThrow();
    });
  }

  const refused: [string, RegExp][] = [
    ['^\\[("[a-z]+",?)+\\]$', /repeated group/],
    ['(a+)+', /repeated group/],
    ['(a*)*b', /repeated group/],
    ['(a|aa)*b', /repeated group/],
    ['((a|aa))+', /repeated group/],
    ['(x|y+){2,}', /repeated group/],
    ['(?:a{1,5}){3}', /repeated group/],
    ['.*a.*b.*c', /unbounded/],
    ['a+b+c+', /unbounded/],
    ['(a)\\1', /back-references/],
    ['(?<x>a)\\k<x>', /back-references/],
  ];
  for (const [source, reason] of refused) {
    it(`refuses ${source}`, () => {
      expect(unsafePatternReason(source)).toMatch(reason);
    });
  }
});
