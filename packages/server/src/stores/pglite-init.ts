import { execFile } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@aurora-ops/core';

/**
 * Run by a short-lived `node` child: creates the PGlite data directory (initdb, pgvector) and
 * exits. Arguments arrive as one JSON string so no quoting is involved.
 */
const INIT_SCRIPT = `
const { url, dataDir, vector } = JSON.parse(process.argv[1]);
const { createPgliteDatabase } = await import(url);
const database = createPgliteDatabase({ dataDir, vector });
await database.ping();
await database.close();
`;

/** How long the child may take (initdb takes 3–6 s here). */
const INIT_TIMEOUT_MS = 120_000;

export type PgliteInitOutcome = 'exists' | 'template' | 'child' | 'in-process';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a fresh PGlite data directory. From the bundled template when it matches the
 * running code (`pglite-template.ts`: an unpack, no initdb, migrations already applied);
 * otherwise in a child process, so the server never holds initdb's memory: PGlite runs initdb
 * in a second WASM instance whose memory the process keeps once it has grown (a first
 * `aurora start` idled at 560–770 MB when it ran in-process). An existing directory is left
 * alone. If the child cannot run or fails, the directory is created in-process (the same
 * errors surface there), with a warning.
 */
export async function initPgliteDataDir(
  dataDir: string,
  options: {
    readonly vector: boolean;
    readonly logger?: Logger;
    /** Where the template is (default: beside the server's bundle); `false` skips it. */
    readonly template?: string | false;
  },
): Promise<PgliteInitOutcome> {
  if (await exists(join(dataDir, 'PG_VERSION'))) return 'exists';
  // The template has pgvector in it: a database opened without the extension cannot use it.
  if (options.vector && options.template !== false) {
    // Loaded only for a first start: a restart needs neither tar nor every migration's text.
    const { unpackPgliteTemplate } = await import('./pglite-template.js');
    const outcome = await unpackPgliteTemplate(
      dataDir,
      typeof options.template === 'string' ? { directory: options.template } : {},
    );
    if (outcome.used) {
      options.logger?.info('pglite: creating the embedded database (first start) from the bundled template', {
        dataDir,
        ms: Math.round(outcome.ms),
      });
      return 'template';
    }
    // No template when running from source; one that does not fit is worth a line.
    if (outcome.absent) options.logger?.debug('pglite: no bundled template', { reason: outcome.reason });
    else options.logger?.warn('pglite: not using the bundled template', { reason: outcome.reason });
  }
  let url: string;
  try {
    url = import.meta.resolve('@aurora-ops/core/storage/pglite');
  } catch {
    return 'in-process'; // a loader without import.meta.resolve (tests under vite-node)
  }
  const existed = await exists(dataDir);
  options.logger?.info('pglite: creating the embedded database (first start, a few seconds)', { dataDir });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', INIT_SCRIPT, JSON.stringify({ url, dataDir, vector: options.vector })],
        { timeout: INIT_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
        (error, _stdout, stderr) => {
          if (error) reject(new Error(`${error.message}${stderr ? `: ${stderr.slice(-500)}` : ''}`));
          else resolve();
        },
      );
    });
    return 'child';
  } catch (error) {
    // What the child left is no database (there was no PG_VERSION): start clean in-process.
    if (!existed) await rm(dataDir, { recursive: true, force: true });
    options.logger?.warn('pglite: creating the database in a child process failed; creating it in-process', {
      error: (error as Error).message.split('\n')[0],
    });
    return 'in-process';
  }
}
