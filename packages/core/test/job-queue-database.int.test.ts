/** The JobQueue conformance suite on the embedded Database queue: PostgreSQL and PGlite. */
import { describeJobQueueConformance } from '../src/testing/index.js';
import type { Database } from '../src/storage/database/database.js';
import { createDatabaseJobQueue } from '../src/storage/queue/database-job-queue.js';
import type { JobQueue } from '../src/storage/queue/job-queue.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './support/postgres.js';

interface Owned {
  readonly database: Database;
  readonly owner: boolean;
  readonly drop?: () => Promise<void>;
}
const owned = new Map<JobQueue, Owned>();
const urls = new Map<JobQueue, string>();

describeJobQueueConformance('Database queue on PostgreSQL', {
  async create() {
    const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    const queue = createDatabaseJobQueue({ database, pollIntervalMs: 50, leaseMs: 2000 });
    owned.set(queue, { database, owner: true, drop: () => throwaway.drop() });
    urls.set(queue, throwaway.url);
    return queue;
  },
  createSibling(of) {
    // A second pool on the same database, as a second replica would open it.
    const database = createPostgresDatabase({ connectionString: urls.get(of)! });
    const queue = createDatabaseJobQueue({ database, pollIntervalMs: 50, leaseMs: 2000 });
    owned.set(queue, { database, owner: false });
    return Promise.resolve(queue);
  },
  async destroy(queue) {
    const entry = owned.get(queue);
    owned.delete(queue);
    await entry?.database.close();
    await entry?.drop?.();
  },
});

describeJobQueueConformance('Database queue on PGlite', {
  async create() {
    const database = createPgliteDatabase({ vector: false });
    const queue = createDatabaseJobQueue({ database, pollIntervalMs: 50, leaseMs: 2000 });
    owned.set(queue, { database, owner: true });
    return Promise.resolve(queue);
  },
  createSibling(of) {
    // PGlite is single-process: a second queue over the same Database object stands in
    // for a second replica (separate workers, schedulers and leases; one store).
    const database = owned.get(of)!.database;
    const queue = createDatabaseJobQueue({ database, pollIntervalMs: 50, leaseMs: 2000 });
    owned.set(queue, { database, owner: false });
    return Promise.resolve(queue);
  },
  async destroy(queue) {
    const entry = owned.get(queue);
    owned.delete(queue);
    if (entry?.owner === true) await entry.database.close();
  },
});
