import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, DataCorruptedError, NotFoundError } from '../errors/errors.js';
import { createLocalSecretStore } from './local-secret-store.js';

const canary = 'canary-5f0c2a9e-local-store-value';

describe('createLocalSecretStore', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-local-secrets-'));
    vi.stubEnv('AURORA_SECRET_KEY', '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(directory, { recursive: true, force: true });
  });

  const secretFiles = async (): Promise<string[]> =>
    (await readdir(join(directory, 'secrets'))).map((name) => join(directory, 'secrets', name));

  it('creates a 0600 key file on first use and reuses it', async () => {
    const store = createLocalSecretStore({ directory });
    await store.put('orgs/acme/aws', { key: canary });
    const info = await stat(join(directory, 'secret.key'));
    expect(info.mode & 0o777).toBe(0o600);
    const reopened = createLocalSecretStore({ directory });
    expect(await reopened.get('orgs/acme/aws')).toEqual({ key: canary });
  });

  it('never writes plaintext or the path-derived name to disk', async () => {
    const store = createLocalSecretStore({ directory });
    await store.put('orgs/acme/aws', { key: canary });
    const [file] = await secretFiles();
    expect(file).toMatch(/[0-9a-f]{64}\.json$/);
    const raw = await readFile(file!, 'utf8');
    expect(raw).not.toContain(canary);
    expect(raw).not.toContain(Buffer.from(canary).toString('base64'));
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
  });

  it('detects a modified ciphertext', async () => {
    const store = createLocalSecretStore({ directory });
    await store.put('orgs/acme/aws', { key: canary });
    const [file] = await secretFiles();
    const envelope = JSON.parse(await readFile(file!, 'utf8')) as { data: string };
    const data = Buffer.from(envelope.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    await writeFile(file!, JSON.stringify({ ...envelope, data: data.toString('base64') }));
    const error = await store.get('orgs/acme/aws').catch((thrown: unknown) => thrown);
    expect(DataCorruptedError.isInstance(error)).toBe(true);
    expect(JSON.stringify(error)).not.toContain(canary);
  });

  it('detects a file moved to another path, and a truncated file', async () => {
    const store = createLocalSecretStore({ directory });
    await store.put('orgs/acme/aws', { key: 'acme-value-1' });
    await store.put('orgs/globex/aws', { key: 'globex-value' });
    const files = await secretFiles();
    const acme = files.find((file) => file.endsWith('.json'))!;
    const other = files.find((file) => file !== acme)!;
    const body = await readFile(other, 'utf8');
    const envelope = JSON.parse(body) as { path: string };
    // Copy one org's file over the other, keeping the claimed path consistent with the name.
    await writeFile(acme, JSON.stringify({ ...envelope, path: JSON.parse(await readFile(acme, 'utf8')).path }));
    const errors = await Promise.all(
      ['orgs/acme/aws', 'orgs/globex/aws'].map((path) => store.get(path).catch((thrown: unknown) => thrown)),
    );
    expect(errors.filter((error) => DataCorruptedError.isInstance(error))).toHaveLength(1);
    await writeFile(other, body.slice(0, 20));
    expect(
      (await Promise.all(['orgs/acme/aws', 'orgs/globex/aws'].map((path) => store.get(path).catch((e: unknown) => e))))
        .map((error) => DataCorruptedError.isInstance(error))
        .every(Boolean),
    ).toBe(true);
    // A truncated file does not break listing: it is skipped (and logged).
    expect(await store.list('')).toHaveLength(1);
  });

  it('reports a secret written under another key as a configuration error', async () => {
    await createLocalSecretStore({ directory, key: Buffer.alloc(32, 1) }).put('orgs/acme/aws', { key: canary });
    const error = await createLocalSecretStore({ directory, key: Buffer.alloc(32, 2) })
      .get('orgs/acme/aws')
      .catch((thrown: unknown) => thrown);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/another key/);
  });

  it('takes the key from AURORA_SECRET_KEY and rejects a malformed one', async () => {
    vi.stubEnv('AURORA_SECRET_KEY', Buffer.alloc(32, 9).toString('base64'));
    const store = createLocalSecretStore({ directory });
    await store.put('a', { v: canary });
    expect(await createLocalSecretStore({ directory, key: Buffer.alloc(32, 9) }).get('a')).toEqual({ v: canary });
    await expect(stat(join(directory, 'secret.key'))).rejects.toThrow(/ENOENT/);
    vi.stubEnv('AURORA_SECRET_KEY', 'too-short');
    const error = await createLocalSecretStore({ directory })
      .get('a')
      .catch((thrown: unknown) => thrown);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(String(error)).toContain('AURORA_SECRET_KEY');
    expect(String(error)).not.toContain('too-short');
  });

  it('two processes starting together agree on one key file', async () => {
    const source = new URL('./local-secret-store.ts', import.meta.url).pathname;
    const script = join(directory, '..', `${directory.split('/').pop()}-child.mts`);
    await writeFile(
      script,
      `import { createLocalSecretStore } from ${JSON.stringify(source)};
      const store = createLocalSecretStore({ directory: process.argv[2] });
      await store.put('p' + process.pid, { v: 'value-' + process.pid });`,
    );
    const run = promisify(execFile);
    const tsx = new URL('../../../../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname;
    try {
      await Promise.all([1, 2, 3].map(() => run(process.execPath, [tsx, script, directory])));
    } finally {
      await rm(script, { force: true });
    }
    const store = createLocalSecretStore({ directory });
    const paths = await store.list('p');
    expect(paths).toHaveLength(3);
    for (const path of paths) expect((await store.get(path)).v).toMatch(/^value-\d+$/);
  });

  it('missing secrets are NotFoundError', async () => {
    const store = createLocalSecretStore({ directory });
    await expect(store.get('orgs/acme/none')).rejects.toSatisfy(NotFoundError.isInstance);
  });
});
