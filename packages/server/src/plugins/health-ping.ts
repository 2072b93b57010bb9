import { TimeoutError } from '@aurora-ops/core';
import type { McpHost } from '@aurora-ops/core/mcp-host';

/**
 * One MCP ping through the host, bounded by `timeoutMs` (the host's own ping timeout is the
 * plugin's request timeout, usually far longer). Resolves with the round trip in ms; a late
 * answer is a `TimeoutError`. The host's pending ping is left to settle on its own.
 */
export function pingWithin(host: McpHost, name: string, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new TimeoutError({
          message: `Plugin "${name}" did not answer a ping within ${timeoutMs} ms.`,
          details: { plugin: name, timeoutMs },
        }),
      );
    }, timeoutMs);
    timer.unref();
    host.ping(name).then(
      (ms) => {
        clearTimeout(timer);
        resolve(ms);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
