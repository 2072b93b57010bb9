/**
 * Child process of the cold-start benchmark: PGlite alone, as the server opens it (data
 * directory + pgvector; a fresh directory is first created by a child process, as
 * `openStores` does), timed from the module import to the first answered `ping()`.
 * Prints one JSON line `{"ms": …, "rssMb": …}` (VmRSS once it answers). Usage: `node --import tsx bench/server/pglite-init.ts <dir>`.
 */
const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: pglite-init.ts <data directory>');
const started = performance.now();
const { createPgliteDatabase } = await import('../../packages/core/src/storage/pglite/index.js');
const { initPgliteDataDir } = await import('../../packages/server/src/stores/pglite-init.js');
await initPgliteDataDir(directory, { vector: true });
const database = createPgliteDatabase({ dataDir: directory, vector: true });
await database.ping();
const ms = performance.now() - started;
const rssMb = process.memoryUsage.rss() / 1024 / 1024;
await database.close();
process.stdout.write(`${JSON.stringify({ ms, rssMb })}\n`);
