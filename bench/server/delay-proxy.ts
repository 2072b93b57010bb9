/**
 * A TCP proxy that holds every chunk `delayMs` in each direction: a database `2 × delayMs` of
 * round trip away, for `BENCH_DB_DELAY_MS` (what a database in another zone does to run starts,
 * which hold their place in `AURORA_MAX_STARTING_RUNS` while their rows are stored). Chunks keep
 * their order (timers of one duration fire in the order they were set).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface DelayProxy {
  /** `url` with its host and port replaced by the proxy's. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startDelayProxy(url: string, delayMs: number): Promise<DelayProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
      from.on('close', end);
      from.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as { port: number }).port);
  return {
    url: proxied.toString(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
