import { describe, expect } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors/errors.js';
import type { GraphStore, NodeInput } from '../storage/graph/graph-store.js';
import type { ConformanceHarness } from './harness.js';
import { conformanceScaffold } from './scaffold.js';

const node = (org: string, id: string, labels: string[] = ['Service'], properties = {}): NodeInput => ({
  org,
  id,
  labels,
  properties,
});

/**
 * The GraphStore conformance suite. `harness.create()` is a store on an empty backing store;
 * `createSibling` a second writer on the same one. The reference graph (edges point from
 * dependent to dependency): cdn → web → api → db, worker → db, api → cache, and an
 * unrelated island x → y.
 */
export function describeGraphStoreConformance(name: string, harness: ConformanceHarness<GraphStore>): void {
  describe(`GraphStore conformance: ${name}`, () => {
    const { create, track, test } = conformanceScaffold(harness, (store) => store.close());

    const seed = async (store: GraphStore, org = 'acme'): Promise<void> => {
      await store.upsertNodes(
        ['cdn', 'web', 'api', 'db', 'worker', 'cache', 'x', 'y'].map((id) =>
          node(org, id, id === 'db' ? ['Database', 'Resource'] : ['Service'], { name: id }),
        ),
      );
      await store.upsertEdges(
        [
          ['cdn', 'web'],
          ['web', 'api'],
          ['api', 'db'],
          ['worker', 'db'],
          ['api', 'cache'],
          ['x', 'y'],
        ].map(([from, to]) => ({ org, from: from!, to: to!, type: 'DEPENDS_ON' })),
      );
    };

    test('upserts are idempotent, replace labels and properties, and keep the latest lastSeenAt', async () => {
      const store = await create();
      const later = new Date(Date.now() + 60_000);
      await store.upsertNodes([{ ...node('acme', 'svc', ['Service'], { v: 1 }), lastSeenAt: later }]);
      await store.upsertNodes([
        { ...node('acme', 'svc', ['Service', 'Public'], { v: 2, tags: ['a', 'b'] }), lastSeenAt: new Date(0) },
      ]);
      await store.upsertNodes([node('acme', 'svc', ['Service', 'Public'], { v: 2, tags: ['a', 'b'] })]);
      const found = await store.getNode('acme', 'svc');
      expect([...found.labels].sort()).toEqual(['Public', 'Service']);
      expect(found.properties).toEqual({ v: 2, tags: ['a', 'b'] });
      expect(found.lastSeenAt.getTime()).toBe(later.getTime());
      expect(await store.countByLabel('acme')).toEqual({ Public: 1, Service: 1 });
    });

    test('an edge to a missing node is NotFoundError and writes nothing', async () => {
      const store = await create();
      await store.upsertNodes([node('acme', 'a'), node('acme', 'b')]);
      await expect(
        store.upsertEdges([
          { org: 'acme', from: 'a', to: 'b', type: 'CALLS' },
          { org: 'acme', from: 'a', to: 'ghost', type: 'CALLS' },
        ]),
      ).rejects.toSatisfy(NotFoundError.isInstance);
      expect(await store.neighbours('acme', 'a')).toEqual([]);
      await expect(store.getNode('acme', 'ghost')).rejects.toSatisfy(NotFoundError.isInstance);
    });

    test('neighbours by direction and edge type', async () => {
      const store = await create();
      await seed(store);
      await store.upsertEdges([{ org: 'acme', from: 'api', to: 'db', type: 'READS', properties: { port: 5432 } }]);
      const out = await store.neighbours('acme', 'api', { direction: 'out' });
      expect(out.map((n) => `${n.edge.type}:${n.node.id}`)).toEqual(['DEPENDS_ON:cache', 'DEPENDS_ON:db', 'READS:db']);
      const incoming = await store.neighbours('acme', 'db', { direction: 'in' });
      expect(incoming.map((n) => n.node.id).sort()).toEqual(['api', 'api', 'worker']);
      const reads = await store.neighbours('acme', 'db', { direction: 'both', types: ['READS'] });
      expect(reads).toHaveLength(1);
      expect(reads[0]?.edge).toMatchObject({ from: 'api', to: 'db', type: 'READS', properties: { port: 5432 } });
    });

    test('paths follow edge direction, shortest first, within maxHops, through cycles', async () => {
      const store = await create();
      await seed(store);
      await store.upsertEdges([
        { org: 'acme', from: 'cdn', to: 'api', type: 'SHORTCUT' },
        { org: 'acme', from: 'db', to: 'web', type: 'CYCLE' },
      ]);
      const paths = await store.paths('acme', 'cdn', 'db');
      expect(paths.map((p) => p.nodes.join('>'))).toEqual(['cdn>api>db', 'cdn>web>api>db']);
      expect(paths[0]?.edges.map((e) => e.type)).toEqual(['SHORTCUT', 'DEPENDS_ON']);
      expect(await store.paths('acme', 'db', 'cdn')).toEqual([]);
      expect((await store.paths('acme', 'cdn', 'db', { maxHops: 2 })).map((p) => p.nodes.length)).toEqual([3]);
      await expect(store.paths('acme', 'cdn', 'db', { maxHops: 99 })).rejects.toSatisfy(InvalidInputError.isInstance);
    });

    test('blast radius lists every dependent with its distance', async () => {
      const store = await create();
      await seed(store);
      const radius = await store.blastRadius('acme', 'db');
      expect(radius.map((entry) => [entry.node.id, entry.distance])).toEqual([
        ['api', 1],
        ['worker', 1],
        ['web', 2],
        ['cdn', 3],
      ]);
      expect((await store.blastRadius('acme', 'db', { maxHops: 1 })).map((e) => e.node.id)).toEqual(['api', 'worker']);
      expect(await store.blastRadius('acme', 'cdn')).toEqual([]);
    });

    test('orgs never mix', async () => {
      const store = await create();
      await seed(store, 'acme');
      await store.upsertNodes([node('globex', 'db', ['Database'], { owner: 'globex' }), node('globex', 'lone')]);
      await store.upsertEdges([{ org: 'globex', from: 'lone', to: 'db', type: 'DEPENDS_ON' }]);
      expect((await store.blastRadius('globex', 'db')).map((e) => e.node.id)).toEqual(['lone']);
      expect((await store.getNode('globex', 'db')).properties).toEqual({ owner: 'globex' });
      await expect(store.getNode('globex', 'api')).rejects.toSatisfy(NotFoundError.isInstance);
      await expect(
        store.upsertEdges([{ org: 'globex', from: 'lone', to: 'api', type: 'DEPENDS_ON' }]),
      ).rejects.toSatisfy(NotFoundError.isInstance);
      expect(await store.countByLabel('globex')).toEqual({ Database: 1, Service: 1 });
    });

    test('stale nodes are marked, revived by an upsert, and deleted with their edges', async () => {
      const store = await create();
      await seed(store);
      await seed(store, 'globex');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const cutoff = new Date();
      await store.upsertNodes([node('acme', 'api', ['Service'], { name: 'api' }), node('acme', 'db', ['Database'])]);
      await store.upsertEdges([{ org: 'acme', from: 'api', to: 'db', type: 'DEPENDS_ON' }]);
      expect(await store.markStale('acme', cutoff)).toBe(6);
      expect((await store.getNode('acme', 'web')).staleSince).toBeInstanceOf(Date);
      expect((await store.getNode('acme', 'api')).staleSince ?? null).toBeNull();
      await store.upsertNodes([node('acme', 'web')]);
      expect((await store.getNode('acme', 'web')).staleSince ?? null).toBeNull();
      expect(await store.deleteStale('acme', new Date(Date.now() + 1000))).toBe(5);
      await expect(store.getNode('acme', 'cdn')).rejects.toSatisfy(NotFoundError.isInstance);
      // The edge refreshed before the cut-off survives; stale edges went with deleteStale.
      expect((await store.neighbours('acme', 'db')).map((n) => n.node.id)).toEqual(['api']);
      expect(await store.neighbours('acme', 'web')).toEqual([]);
      expect((await store.blastRadius('globex', 'db')).length).toBe(4);
    });

    test('bad input is InvalidInputError', async () => {
      const store = await create();
      await expect(store.upsertNodes([node('acme', '')])).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(store.upsertNodes([node('acme', 'a', ['bad label'])])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await expect(store.upsertNodes([node('acme', 'a', ['L'], { deep: { x: 1 } })])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await store.upsertNodes([node('acme', 'a'), node('acme', 'b')]);
      await expect(store.upsertEdges([{ org: 'acme', from: 'a', to: 'b', type: 'lower' }])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
    });

    test(
      'two writers upserting overlapping batches at once converge',
      async () => {
        const a = await create();
        const b = track(await harness.createSibling!(a));
        const ids = Array.from({ length: 300 }, (_, i) => `n${i}`);
        const batch = (from: number, to: number, writer: string) =>
          ids.slice(from, to).map((id) => node('acme', id, ['Service'], { writer: id < 'n5' ? 'fixed' : writer }));
        await Promise.all([
          a.upsertNodes(batch(0, 200, 'a')),
          b.upsertNodes(batch(100, 300, 'b')),
          a.upsertNodes(batch(50, 250, 'a')),
        ]);
        const edges = ids.slice(1).map((id, i) => ({ org: 'acme', from: id, to: ids[i]!, type: 'NEXT' }));
        await Promise.all([a.upsertEdges(edges.slice(0, 200)), b.upsertEdges(edges.slice(100))]);
        expect(await b.countByLabel('acme')).toEqual({ Service: 300 });
        expect((await a.blastRadius('acme', 'n0', { maxHops: 10 })).length).toBe(10);
        expect(['a', 'b', 'fixed']).toContain((await b.getNode('acme', 'n150')).properties.writer);
      },
      { needsSibling: true },
    );
  });
}
