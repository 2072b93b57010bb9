/**
 * The streaming benchmark's token text: its emit time on the clock every process on the
 * machine shares, `t<ms since the epoch, µs resolution> ` (the trailing space lets the agent's
 * token buffer emit it at once). The client subtracts it from its receive time.
 */
import { sharedNow } from './stats.js';

/** The text of a token emitted now. */
export const stampToken = (): string => `t${sharedNow().toFixed(3)} `;

/** The emit time (shared clock, ms) of a token made by `stampToken`, or undefined. */
export function parseTokenTime(text: string): number | undefined {
  if (text.charCodeAt(0) !== 116 /* t */) return undefined;
  const value = Number(text.slice(1));
  return Number.isFinite(value) ? value : undefined;
}
