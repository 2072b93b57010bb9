import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson } from '@aurora-ops/core/internal';
import { create as createTar, extract as extractTar } from 'tar';
import { migrateAll, serverMigrations } from './migrate-all.js';

/**
 * A ready-made PGlite data directory: initdb's output with pgvector and every server
 * migration applied, archived by `pnpm build` beside the server's bundle. A first start
 * unpacks it (about 0.3 s) instead of running initdb and the migrations (3–6 s here, in a
 * second WASM instance), so a first start costs what a restart does. A template that does not
 * match the PGlite or the migrations of the running code is not used (initdb runs as before).
 */

/** File names of the template, in the directory of the server's bundle (`dist/`). */
export const PGLITE_TEMPLATE_ARCHIVE = 'pglite-template.tar.gz';
export const PGLITE_TEMPLATE_MANIFEST = 'pglite-template.json';

export interface PgliteTemplateManifest {
  readonly format: 1;
  /** The `@electric-sql/pglite` version that wrote the directory. */
  readonly pglite: string;
  /** sha256 of every server migration (namespace, version, name, SQL) the directory holds. */
  readonly migrations: string;
  /** Size of the archive in bytes. */
  readonly bytes: number;
}

/** The template holds every optional schema, so it serves whichever embedded stores are used. */
const TEMPLATE_SCHEMAS = { vectors: true, queue: true, graph: true } as const;

/** Where `pnpm build` writes the template: the directory of this module once bundled. */
export const defaultTemplateDirectory = (): string => dirname(fileURLToPath(import.meta.url));

/** sha256 over every migration the template applies; a changed or added migration changes it. */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const [namespace, migrations] of serverMigrations(TEMPLATE_SCHEMAS)) {
    for (const migration of migrations) {
      const up = typeof migration.up === 'string' ? migration.up : migration.up.toString();
      hash.update(JSON.stringify([namespace, migration.version, migration.name, up]));
    }
  }
  return hash.digest('hex');
}

/**
 * The version of the PGlite this server resolves (core takes PGlite as a peer, so it opens
 * the same one). PGlite's `exports` hide its package.json, so it is found from the entry.
 */
export async function pgliteVersion(): Promise<string> {
  const require = createRequire(import.meta.url);
  let directory = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = parseJson(await readFile(join(directory, 'package.json'), 'utf8'), 'package.json') as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@electric-sql/pglite' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: go up
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the package.json of @electric-sql/pglite');
    directory = parent;
  }
}

/**
 * Writes the template (archive + manifest) into `directory`: creates a PGlite data directory
 * with pgvector in a temporary directory, applies every server migration, archives it.
 */
export async function buildPgliteTemplate(
  directory: string = defaultTemplateDirectory(),
): Promise<PgliteTemplateManifest> {
  const work = await mkdtemp(join(tmpdir(), 'aurora-pglite-template-'));
  try {
    const dataDir = join(work, 'pgdata');
    const { createPgliteDatabase } = await import('@aurora-ops/core/storage/pglite');
    const database = createPgliteDatabase({ dataDir, vector: true });
    try {
      await migrateAll(database, TEMPLATE_SCHEMAS);
    } finally {
      await database.close();
    }
    await mkdir(directory, { recursive: true });
    const archive = join(directory, PGLITE_TEMPLATE_ARCHIVE);
    await createTar({ file: archive, cwd: dataDir, gzip: { level: 9 }, portable: true }, await readdir(dataDir));
    const manifest: PgliteTemplateManifest = {
      format: 1,
      pglite: await pgliteVersion(),
      migrations: migrationsFingerprint(),
      bytes: (await stat(archive)).size,
    };
    await writeFile(join(directory, PGLITE_TEMPLATE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export type PgliteTemplateOutcome =
  | { readonly used: true; readonly ms: number }
  | {
      readonly used: false;
      readonly reason: string;
      /** No template there at all (e.g. running from source). */ readonly absent: boolean;
    };

/** The manifest, `undefined` when there is none, or why it cannot be read. */
async function readManifest(directory: string): Promise<PgliteTemplateManifest | undefined | { error: string }> {
  let text: string;
  try {
    text = await readFile(join(directory, PGLITE_TEMPLATE_MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { error: (error as Error).message };
  }
  try {
    return parseJson(text, PGLITE_TEMPLATE_MANIFEST) as PgliteTemplateManifest;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** True when `path` is missing or an empty directory (which is then removed). */
async function vacant(path: string): Promise<boolean> {
  try {
    if ((await readdir(path)).length > 0) return false;
    await rmdir(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Creates `dataDir` from the template when the template matches the running code. Unpacks
 * into a sibling directory first and renames it into place, so an interrupted unpack never
 * leaves a directory that looks like a database. Says why when it does not use the template.
 */
export async function unpackPgliteTemplate(
  dataDir: string,
  options: { readonly directory?: string } = {},
): Promise<PgliteTemplateOutcome> {
  const started = performance.now();
  const directory = options.directory ?? defaultTemplateDirectory();
  const manifest = await readManifest(directory);
  if (manifest === undefined) return { used: false, reason: `no template in ${directory}`, absent: true };
  if ('error' in manifest) return { used: false, reason: manifest.error, absent: false };
  if (manifest.format !== 1)
    return { used: false, reason: `template format ${String(manifest.format)} is unknown`, absent: false };
  const version = await pgliteVersion();
  if (manifest.pglite !== version)
    return { used: false, reason: `template is for PGlite ${manifest.pglite}, this is ${version}`, absent: false };
  if (manifest.migrations !== migrationsFingerprint())
    return { used: false, reason: 'template was built with other migrations', absent: false };
  if (!(await vacant(dataDir))) return { used: false, reason: `${dataDir} is not empty`, absent: false };

  const staging = `${dataDir}.unpacking-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    // Synchronous: 0.5 s here against 2–4 s for the asynchronous unpack, whose 1 100 files each
    // wait on several thread-pool round trips. Nothing else runs yet on a first start.
    extractTar({ file: join(directory, PGLITE_TEMPLATE_ARCHIVE), cwd: staging, strict: true, sync: true });
    await rename(staging, dataDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    return {
      used: false,
      reason: `cannot unpack the template: ${(error as Error).message.split('\n')[0]}`,
      absent: false,
    };
  }
  return { used: true, ms: performance.now() - started };
}
