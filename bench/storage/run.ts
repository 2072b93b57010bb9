/**
 * `pnpm bench:storage [section…]`: prints each storage adapter beside the raw library doing
 * the same work in the same run, with the ratio (goal ≥ 0.9×). Sections: database, objects, secrets.
 */
import { printComparisons, type Comparison } from '../lib/measure.js';
import { benchDatabase } from './database.js';
import { benchObjects } from './objects.js';
import { benchSecrets } from './secrets.js';

const sections: Record<string, () => Promise<{ comparisons: Comparison[]; notes: string[] }>> = {
  database: benchDatabase,
  objects: benchObjects,
  secrets: benchSecrets,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in sections)) {
    console.error(`Unknown section "${name}". Sections: ${Object.keys(sections).join(', ')}`);
    process.exit(2);
  }
}
console.log(`# Storage benchmarks (Node ${process.version}, medians of interleaved rounds)`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\nrunning ${name}…\n`);
  const { comparisons, notes } = await run();
  printComparisons(name, comparisons);
  for (const note of notes) console.log(`- ${note}`);
}
