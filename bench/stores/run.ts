/**
 * `pnpm bench:stores [section…]`: the issue-3 stores beside their raw libraries in the same
 * run. Sections: queue, cache, graph, vector.
 */
import { printComparisons } from '../lib/measure.js';
import { benchCache } from './cache.js';
import { benchGraph } from './graph.js';
import { benchQueue } from './queue.js';
import { benchVector } from './vector.js';

const wanted = process.argv.slice(2);
const known = ['queue', 'cache', 'graph', 'vector'];
for (const name of wanted) {
  if (!known.includes(name)) {
    console.error(`Unknown section "${name}". Sections: ${known.join(', ')}`);
    process.exit(2);
  }
}
const want = (name: string): boolean => wanted.length === 0 || wanted.includes(name);
console.log(`# Store benchmarks (Node ${process.version}, medians of interleaved rounds)`);
if (want('queue')) {
  process.stdout.write('\nrunning queue…\n');
  for (const line of await benchQueue()) console.log(`- ${line}`);
}
if (want('cache')) {
  process.stdout.write('\nrunning cache…\n');
  const { comparisons, notes } = await benchCache();
  printComparisons('cache', comparisons);
  for (const note of notes) console.log(`- ${note}`);
}
if (want('graph')) {
  process.stdout.write('\nrunning graph…\n');
  for (const line of await benchGraph()) console.log(`- ${line}`);
}
if (want('vector')) {
  process.stdout.write('\nrunning vector…\n');
  for (const line of await benchVector()) console.log(`- ${line}`);
}
