/**
 * The GraphStore conformance suite on Neo4j 5 or Memgraph, when a server is given:
 * AURORA_TEST_NEO4J_URL (bolt://…), AURORA_TEST_NEO4J_USER, AURORA_TEST_NEO4J_PASSWORD and
 * AURORA_TEST_NEO4J_FLAVOR (`neo4j`, the default, or `memgraph`). Each test starts by deleting
 * every `:AuroraNode` on that server: point it at a throwaway database. Without a server
 * (nothing speaks Bolt on the CI machine) every test reports itself skipped with the reason.
 */
import neo4j, { type Driver } from 'neo4j-driver';
import type { GraphStore } from '../src/storage/graph/graph-store.js';
import { createNeo4jGraphStore, type GraphFlavor } from '../src/storage/neo4j/index.js';
import { describeGraphStoreConformance } from '../src/testing/index.js';

const url = process.env.AURORA_TEST_NEO4J_URL;
const username = process.env.AURORA_TEST_NEO4J_USER;
const password = process.env.AURORA_TEST_NEO4J_PASSWORD;
const flavor = (process.env.AURORA_TEST_NEO4J_FLAVOR ?? 'neo4j') as GraphFlavor;
const database = process.env.AURORA_TEST_NEO4J_DATABASE;

const open = (): GraphStore =>
  createNeo4jGraphStore({
    url: url!,
    ...(username === undefined ? {} : { username, password: password ?? '' }),
    ...(database === undefined ? {} : { database }),
    flavor,
  });

async function wipe(): Promise<void> {
  const driver: Driver = neo4j.driver(
    url!,
    username === undefined ? undefined : neo4j.auth.basic(username, password ?? ''),
  );
  const session = driver.session(database === undefined ? {} : { database });
  try {
    await session.run('MATCH (n:AuroraNode) DETACH DELETE n');
  } finally {
    await session.close();
    await driver.close();
  }
}

describeGraphStoreConformance(`Neo4j (${flavor})`, {
  async create() {
    await wipe();
    return open();
  },
  createSibling() {
    // A second store with its own driver and connection pool: a truly concurrent writer.
    return Promise.resolve(open());
  },
  destroy: () => Promise.resolve(),
  skip:
    url === undefined
      ? [{ reason: 'AURORA_TEST_NEO4J_URL is not set: no Neo4j or Memgraph server here', tests: ['*'] }]
      : [],
});
