/**
 * The first start's PGlite template (real PGlite, real tar archives): built once, it unpacks
 * into a database that holds every migration, and it is refused, leaving nothing behind, when
 * it does not match the running code, is damaged, or the directory is not empty.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAll } from '../../src/stores/migrate-all.js';
import { initPgliteDataDir } from '../../src/stores/pglite-init.js';
import {
  PGLITE_TEMPLATE_ARCHIVE,
  PGLITE_TEMPLATE_MANIFEST,
  buildPgliteTemplate,
  migrationsFingerprint,
  pgliteVersion,
  unpackPgliteTemplate,
  type PgliteTemplateManifest,
} from '../../src/stores/pglite-template.js';

describe('PGlite template', () => {
  let root: string;
  let template: string;
  let manifest: PgliteTemplateManifest;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'aurora-pglite-template-test-'));
    template = join(root, 'template');
    manifest = await buildPgliteTemplate(template);
  }, 180_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A copy of the template whose manifest is changed by `edit`. */
  async function variant(name: string, edit: (text: string) => string): Promise<string> {
    const directory = join(root, name);
    await cp(template, directory, { recursive: true });
    const path = join(directory, PGLITE_TEMPLATE_MANIFEST);
    await writeFile(path, edit(await readFile(path, 'utf8')));
    return directory;
  }

  it('records the PGlite version, the migrations and the archive size', async () => {
    expect(manifest.format).toBe(1);
    expect(manifest.pglite).toBe(await pgliteVersion());
    expect(manifest.migrations).toBe(migrationsFingerprint());
    expect(manifest.bytes).toBe((await stat(join(template, PGLITE_TEMPLATE_ARCHIVE))).size);
    expect(manifest.bytes).toBeGreaterThan(100_000);
  });

  it('unpacks into a database that already holds every migration and pgvector', async () => {
    const dataDir = join(root, 'unpacked', 'pglite');
    const outcome = await unpackPgliteTemplate(dataDir, { directory: template });
    expect(outcome.used).toBe(true);
    expect(await readdir(join(root, 'unpacked'))).toEqual(['pglite']); // no staging directory left
    const database = createPgliteDatabase({ dataDir, vector: true });
    try {
      const reports = await migrateAll(database, { vectors: true, queue: true, graph: true });
      expect(reports.flatMap((report) => report.applied)).toEqual([]);
      expect(await database.one(`select count(*)::int as n from pg_extension where extname = 'vector'`)).toEqual({
        n: 1,
      });
      // The directory is a working database: it takes writes and keeps them.
      await database.query(`create table template_probe (id int primary key)`);
      await database.query(`insert into template_probe values (1)`);
    } finally {
      await database.close();
    }
    const reopened = createPgliteDatabase({ dataDir, vector: true });
    try {
      expect(await reopened.one('select count(*)::int as n from template_probe')).toEqual({ n: 1 });
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('initPgliteDataDir uses it for a vector database, and says so', async () => {
    const dataDir = join(root, 'init', 'pglite');
    const lines: string[] = [];
    const logger = {
      debug: () => {},
      info: (message: string) => lines.push(message),
      warn: (message: string) => lines.push(`warn: ${message}`),
      error: () => {},
      child: () => logger,
    };
    expect(await initPgliteDataDir(dataDir, { vector: true, logger, template })).toBe('template');
    expect(lines).toEqual(['pglite: creating the embedded database (first start) from the bundled template']);
    expect(await initPgliteDataDir(dataDir, { vector: true, logger, template })).toBe('exists');
  });

  it.each([
    ['another PGlite', (text: string) => text.replace(/"pglite": "[^"]+"/, '"pglite": "0.0.1"'), /PGlite 0\.0\.1/],
    ['other migrations', (text: string) => text.replace(/"migrations": "[^"]+"/, '"migrations": "00"'), /migrations/],
    ['an unknown format', (text: string) => text.replace(/"format": 1/, '"format": 2'), /format 2/],
    ['a malformed manifest', (text: string) => text.slice(0, 10), /not valid JSON/],
  ])('is refused when its manifest names %s', async (name, edit, reason) => {
    const directory = await variant(name.replaceAll(' ', '-'), edit);
    const dataDir = join(root, `refused-${name.replaceAll(' ', '-')}`);
    const outcome = await unpackPgliteTemplate(dataDir, { directory });
    expect(outcome).toMatchObject({ used: false, absent: false });
    expect(!outcome.used && outcome.reason).toMatch(reason);
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is absent where there is none (running from source), and initdb runs instead', async () => {
    const outcome = await unpackPgliteTemplate(join(root, 'absent'), { directory: join(root, 'nothing-here') });
    expect(outcome).toMatchObject({ used: false, absent: true });
  });

  it('leaves a directory that is not empty alone', async () => {
    const dataDir = join(root, 'occupied');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'keep.txt'), 'mine');
    const outcome = await unpackPgliteTemplate(dataDir, { directory: template });
    expect(outcome).toMatchObject({ used: false, absent: false });
    expect(await readdir(dataDir)).toEqual(['keep.txt']);
  });

  it('fills an empty directory', async () => {
    const dataDir = join(root, 'empty');
    await mkdir(dataDir);
    expect((await unpackPgliteTemplate(dataDir, { directory: template })).used).toBe(true);
    expect((await stat(join(dataDir, 'PG_VERSION'))).isFile()).toBe(true);
  });

  it('a damaged archive is refused and leaves neither the directory nor a staging copy', async () => {
    const directory = await variant('damaged', (text) => text);
    const archive = join(directory, PGLITE_TEMPLATE_ARCHIVE);
    await truncate(archive, Math.floor((await stat(archive)).size / 2));
    const parent = join(root, 'damaged-target');
    await mkdir(parent);
    const outcome = await unpackPgliteTemplate(join(parent, 'pglite'), { directory });
    expect(outcome).toMatchObject({ used: false, absent: false });
    expect(!outcome.used && outcome.reason).toMatch(/cannot unpack/);
    expect(await readdir(parent)).toEqual([]);
  });
});
