/**
 * The streaming benchmark's token text: the time the token was due on its fixed schedule, on
 * the clock every process on the machine shares, `t<ms since the epoch, µs resolution> ` (the
 * trailing space lets the agent's token buffer emit it at once). The client subtracts it from
 * its receive time, so a token that a busy event loop emits late counts the delay, as a token
 * from a real model would wait in the socket.
 */
import { sharedNow } from './stats.js';

/** The text of a token due at `at` (shared clock, ms; default now). */
export const stampToken = (at: number = sharedNow()): string => `t${at.toFixed(3)} `;

/** The due time (shared clock, ms) of a token made by `stampToken`, or undefined. */
export function parseTokenTime(text: string): number | undefined {
  if (text.charCodeAt(0) !== 116 /* t */) return undefined;
  const value = Number(text.slice(1));
  return Number.isFinite(value) ? value : undefined;
}
