/**
 * Graph: upsert 100k nodes and 200k edges into the embedded GraphStore (tables on PGlite),
 * beside raw PGlite running hand-written bulk inserts into the same tables; then blast-radius
 * latency (p50/p95) on the result. Goal: the 100k-node upsert in ≤ 30 s.
 */
import { PGlite } from '@electric-sql/pglite';
import { performance } from 'node:perf_hooks';
import {
  GRAPH_MIGRATIONS,
  createTablesGraphStore,
  type EdgeInput,
  type NodeInput,
} from '../../packages/core/src/index.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';

const NODES = Number(process.env.BENCH_GRAPH_NODES ?? 100_000);
const EDGES = NODES * 2;

/** A layered service graph: each node depends on two nodes of the next layer. */
function graph(): { nodes: NodeInput[]; edges: EdgeInput[] } {
  const nodes: NodeInput[] = Array.from({ length: NODES }, (_, i) => ({
    org: 'bench',
    id: `arn:aws:ec2:eu-west-1:123456789012:instance/i-${i.toString(16).padStart(8, '0')}`,
    labels: [i % 10 === 0 ? 'Database' : 'Service'],
    properties: { name: `svc-${i}`, region: 'eu-west-1', tier: i % 3 },
  }));
  const edges: EdgeInput[] = [];
  for (let i = 0; i < NODES && edges.length < EDGES; i += 1) {
    for (const step of [1, 7]) {
      const to = (i + step) % NODES;
      edges.push({ org: 'bench', from: nodes[i]!.id, to: nodes[to]!.id, type: step === 1 ? 'DEPENDS_ON' : 'CALLS' });
    }
  }
  return { nodes, edges };
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? NaN;

export async function benchGraph(): Promise<string[]> {
  const { nodes, edges } = graph();
  const lines: string[] = [];

  const database = createPgliteDatabase({ vector: false });
  const store = createTablesGraphStore({ database });
  // Start PGlite and run the migrations outside the timing, as raw PGlite below.
  await store.countByLabel('bench');
  let started = performance.now();
  await store.upsertNodes(nodes);
  const adapterNodesMs = performance.now() - started;
  started = performance.now();
  await store.upsertEdges(edges);
  const adapterEdgesMs = performance.now() - started;

  const raw = await PGlite.create();
  await raw.exec(String(GRAPH_MIGRATIONS[0]?.up));
  started = performance.now();
  await raw.transaction(async (tx) => {
    for (let i = 0; i < nodes.length; i += 5000) {
      await tx.query(
        `insert into aurora_graph_nodes (org, id, labels, properties, last_seen_at)
         select r.org, r.id, r.labels, r.properties, now()
           from jsonb_to_recordset($1::jsonb) as r(org text, id text, labels text[], properties jsonb)
         on conflict (org, id) do update set labels = excluded.labels, properties = excluded.properties`,
        [JSON.stringify(nodes.slice(i, i + 5000))],
      );
    }
  });
  const rawNodesMs = performance.now() - started;
  started = performance.now();
  await raw.transaction(async (tx) => {
    for (let i = 0; i < edges.length; i += 5000) {
      await tx.query(
        `insert into aurora_graph_edges (org, from_id, type, to_id, properties, last_seen_at)
         select r.org, r."from", r.type, r."to", '{}'::jsonb, now()
           from jsonb_to_recordset($1::jsonb) as r(org text, "from" text, type text, "to" text)
         on conflict (org, from_id, type, to_id) do nothing`,
        [JSON.stringify(edges.slice(i, i + 5000))],
      );
    }
  });
  const rawEdgesMs = performance.now() - started;
  await raw.close();

  lines.push(
    `embedded GraphStore (PGlite): ${NODES} nodes in ${(adapterNodesMs / 1000).toFixed(1)} s, ${EDGES} edges in ${(adapterEdgesMs / 1000).toFixed(1)} s — total ${((adapterNodesMs + adapterEdgesMs) / 1000).toFixed(1)} s (goal ≤ 30 s for the nodes)`,
    `raw PGlite, same bulk inserts without validation or the endpoint check: nodes ${(rawNodesMs / 1000).toFixed(1)} s, edges ${(rawEdgesMs / 1000).toFixed(1)} s; adapter/raw time ratio ${((adapterNodesMs + adapterEdgesMs) / (rawNodesMs + rawEdgesMs)).toFixed(2)}× (throughput ratio ${((rawNodesMs + rawEdgesMs) / (adapterNodesMs + adapterEdgesMs)).toFixed(2)}×)`,
  );

  for (const hops of [3, 6]) {
    const samples: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const target = nodes[(i * 997) % NODES]!.id;
      const t0 = performance.now();
      await store.blastRadius('bench', target, { maxHops: hops });
      samples.push(performance.now() - t0);
    }
    const size = (await store.blastRadius('bench', nodes[0]!.id, { maxHops: hops })).length;
    lines.push(
      `blast radius, ${hops} hops (~${size} dependents): p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms over 50 queries`,
    );
  }
  await database.close();
  return lines;
}
