/**
 * The first start's PGlite initdb runs in a child process (real `node`, real PGlite): the
 * directory it leaves opens in-process with its data, a second call leaves it alone, and a
 * child that cannot create it falls back in-process with a warning.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPgliteDataDir } from '../../src/stores/pglite-init.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return { logger, lines };
}

describe('PGlite data directory created in a child process', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'aurora-pglite-init-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory in a child; it then opens in-process; a second call leaves it', async () => {
    const dataDir = join(root, 'fresh');
    const { logger, lines } = recordingLogger();
    expect(await initPgliteDataDir(dataDir, { vector: true, logger, template: false })).toBe('child');
    expect((await stat(join(dataDir, 'PG_VERSION'))).isFile()).toBe(true);
    expect(lines.some((line) => line.level === 'info' && line.message.includes('first start'))).toBe(true);
    const database = createPgliteDatabase({ dataDir, vector: true });
    try {
      // pgvector was created by the child: the type exists without another `create extension`.
      expect(await database.one(`select count(*)::int as n from pg_extension where extname = 'vector'`)).toEqual({
        n: 1,
      });
    } finally {
      await database.close();
    }
    expect(await initPgliteDataDir(dataDir, { vector: true, logger })).toBe('exists');
  }, 120_000);

  it('falls back in-process, with a warning, when the child cannot create it', async () => {
    const notADirectory = join(root, 'a-file');
    await writeFile(notADirectory, 'not a database');
    const { logger, lines } = recordingLogger();
    expect(await initPgliteDataDir(notADirectory, { vector: false, logger })).toBe('in-process');
    expect(lines.find((line) => line.level === 'warn')?.message).toContain('in a child process failed');
    // It existed before (a file), so nothing was removed.
    expect((await stat(notADirectory)).isFile()).toBe(true);
  }, 120_000);
});
