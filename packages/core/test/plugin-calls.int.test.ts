/**
 * What a handler gets during a call, with real MCP SDK clients: progress notifications,
 * cancellation reaching `context.signal`, and credential references in `_meta` resolved
 * through a real local secret store and resolver, with the plaintext kept out of results,
 * errors and logs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, type LogRecord } from '../src/logging/logger.js';
import { createLocalSecretStore } from '../src/secrets/local-secret-store.js';
import { createSecretResolver, type SecretResolver } from '../src/secrets/resolver.js';
import type { SecretStore } from '../src/secrets/secret-store.js';
import { createExamplePlugin } from './support/example-plugin.js';
import { callTool, connectBin, connectLocal, errorOf, type Connected } from './support/example-plugin-clients.js';

const open: Connected[] = [];
afterEach(async () => {
  for (const connection of open.splice(0).reverse()) await connection.close();
});
const track = (connection: Connected): Connected => {
  open.push(connection);
  return connection;
};

describe.each(['in-process', 'http', 'stdio'] as const)('progress and cancellation (%s)', (kind) => {
  const connect = async () => {
    const example = createExamplePlugin();
    const connection = track(kind === 'stdio' ? await connectBin([]) : await connectLocal(example.plugin, kind));
    return { client: connection.client, state: example.state };
  };

  it('sends a notifications/progress per step when the caller gives a progress token', async () => {
    const { client } = await connect();
    const seen: Progress[] = [];
    const result = await client.callTool({ name: 'count_slowly', arguments: { steps: 3, delayMs: 0 } }, undefined, {
      onprogress: (progress) => seen.push(progress),
    });
    expect(result.structuredContent).toEqual({ counted: 3 });
    const expected = [1, 2, 3].map((step) => ({ progress: step, total: 3, message: `step ${step} of 3` }));
    expect(seen).toEqual(expected.slice(0, seen.length));
    // The SDK client handles notifications a microtask later than responses, so over stdio a
    // progress notification that arrives in the same chunk as the result can be dropped.
    expect(seen.length).toBeGreaterThanOrEqual(kind === 'stdio' ? 2 : 3);
  });

  it('aborts context.signal when the client cancels the call', async () => {
    const { client, state } = await connect();
    const controller = new AbortController();
    let running: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (running = resolve));
    const pending = client.callTool({ name: 'count_slowly', arguments: { steps: 50, delayMs: 200 } }, undefined, {
      signal: controller.signal,
      onprogress: () => running(),
    });
    await started;
    controller.abort('user pressed stop');
    await expect(pending).rejects.toThrow('user pressed stop');
    // In-process and HTTP share this process's state; stdio's child is checked by its absence of a result.
    if (kind !== 'stdio') await vi.waitFor(() => expect(state.aborted).toEqual(['CANCELLED']));
  });
});

describe('credentials from _meta secret references', () => {
  let directory: string;
  let store: SecretStore;
  let resolver: SecretResolver;
  const canary = `sk-${randomBytes(16).toString('hex')}`;
  const fingerprint = createHash('sha256').update(canary).digest('hex').slice(0, 12);
  const meta = (org: string, reference = 'local:orgs/{org}/cloud') => ({
    'aurora/org': org,
    'aurora/user': 'u-7',
    'aurora/runId': 'run-1',
    'aurora/toolCallId': 'call-1',
    'aurora/credentials': { cloud: reference },
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-plugin-secrets-'));
    store = createLocalSecretStore({ directory, key: randomBytes(32) });
    await store.put('orgs/acme/cloud', { access_key_id: 'AKIAEXAMPLEKEY', secret_access_key: canary });
    await store.put('orgs/acme/partial', { access_key_id: 'AKIAEXAMPLEKEY' });
    resolver = createSecretResolver({ stores: { local: store } });
  });
  afterAll(async () => {
    await store?.close?.();
    await rm(directory, { recursive: true, force: true });
  });

  describe.each(['in-process', 'http'] as const)('%s', (kind) => {
    const setup = async () => {
      const records: LogRecord[] = [];
      const logger = createLogger((record) => records.push(record));
      const { client } = track(await connectLocal(createExamplePlugin().plugin, kind, { resolver, logger }));
      return { client, logs: () => JSON.stringify(records), records };
    };

    it('resolves the reference for the org in _meta, and uses the default chain without one', async () => {
      const { client, records } = await setup();
      expect((await callTool(client, 'cloud_whoami', {}, meta('acme'))).structuredContent).toEqual({
        source: 'reference',
        fingerprint,
      });
      expect((await callTool(client, 'cloud_whoami')).structuredContent).toEqual({ source: 'default-chain' });
      const line = records.find((record) => record.message === 'calling the cloud');
      expect(line?.fields).toMatchObject({ org: 'acme', user: 'u-7', runId: 'run-1', toolCallId: 'call-1' });
    });

    it('never lets the plaintext reach a result, an error or a log line', async () => {
      const { client, logs } = await setup();
      const leaked = await callTool(client, 'cloud_whoami', { mode: 'leak-result' }, meta('acme'));
      expect(leaked.structuredContent).toEqual({ source: 'reference', fingerprint, echo: '[REDACTED]' });
      const failed = await callTool(client, 'cloud_whoami', { mode: 'leak-error' }, meta('acme'));
      expect(errorOf(failed)).toMatchObject({ code: 'UPSTREAM_ERROR', message: 'The cloud refused key [REDACTED].' });
      for (const text of [JSON.stringify(leaked), JSON.stringify(failed), logs()]) expect(text).not.toContain(canary);
      // Every field of a resolved secret is scrubbed, the key id too.
      expect(logs()).toContain('"keyId":"[REDACTED]","key":"[REDACTED]"');
    });

    it('refuses a reference outside the calling org with FORBIDDEN', async () => {
      const { client } = await setup();
      const result = await callTool(client, 'cloud_whoami', {}, meta('other', 'local:orgs/acme/cloud'));
      expect(errorOf(result).code).toBe('FORBIDDEN');
      expect(JSON.stringify(result)).not.toContain(canary);
    });

    it('reports a secret without the slot schema fields as CONFIGURATION_ERROR naming the fields', async () => {
      const { client } = await setup();
      const result = await callTool(client, 'cloud_whoami', {}, meta('acme', 'local:orgs/{org}/partial'));
      expect(errorOf(result)).toMatchObject({
        code: 'CONFIGURATION_ERROR',
        details: { slot: 'cloud', fields: ['secret_access_key'] },
      });
    });
  });

  it('a server without a resolver refuses a reference with CONFIGURATION_ERROR', async () => {
    const { client } = track(await connectLocal(createExamplePlugin().plugin, 'in-process'));
    const result = await callTool(client, 'cloud_whoami', {}, meta('acme'));
    expect(errorOf(result)).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { setting: 'resolver' } });
  });
});
