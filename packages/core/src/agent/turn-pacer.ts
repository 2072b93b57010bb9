/**
 * Admits callers in order, at most `perTurn` in each turn of the event loop: the admitted go on
 * once the turn's timers and I/O have been served (setImmediate). While the loop is idle a caller
 * waits one turn (well under a millisecond). While it is busy, the work behind the pacer (a
 * model step's bookkeeping, say) is spread over the turns instead of arriving all at once, and
 * what is not paced (the tokens of the runs still streaming) goes first.
 */
export function createTurnPacer(perTurn: number): () => Promise<void> {
  if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError('perTurn must be a positive integer');
  const queue: (() => void)[] = [];
  let scheduled = false;
  const turn = (): void => {
    const admitted = queue.splice(0, perTurn);
    if (queue.length > 0) setImmediate(turn);
    else scheduled = false;
    for (const admit of admitted) admit();
  };
  return () =>
    new Promise<void>((resolve) => {
      queue.push(resolve);
      if (!scheduled) {
        scheduled = true;
        setImmediate(turn);
      }
    });
}
