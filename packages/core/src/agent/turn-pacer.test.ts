import { describe, expect, it } from 'vitest';
import { createTurnPacer } from './turn-pacer.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createTurnPacer', () => {
  it('admits at most perTurn callers per turn of the event loop, in order', async () => {
    const pace = createTurnPacer(2);
    const admitted: number[] = [];
    const all = [1, 2, 3, 4, 5].map((n) => pace().then(() => admitted.push(n)));
    expect(admitted).toEqual([]);
    const seen: number[][] = [];
    for (let round = 0; round < 4; round++) {
      await turn();
      seen.push([...admitted]);
    }
    await Promise.all(all);
    expect(seen[0]).toEqual([1, 2]);
    expect(seen[1]).toEqual([1, 2, 3, 4]);
    expect(seen[2]).toEqual([1, 2, 3, 4, 5]);
  });

  it('a caller arriving at an idle pacer goes on after one turn', async () => {
    const pace = createTurnPacer(4);
    let through = false;
    const paced = pace().then(() => (through = true));
    await turn();
    await paced;
    expect(through).toBe(true);
  });

  it('refuses a perTurn that is not a positive integer', () => {
    for (const perTurn of [0, -2, 1.5]) expect(() => createTurnPacer(perTurn)).toThrow(RangeError);
  });
});
