/**
 * Secrets: the local encrypted store's get() against the same work done by hand (read the
 * file, AES-256-GCM decrypt, parse), the resolver's cache hit, and the redactor's
 * throughput on log text.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLocalSecretStore, createSecretRedactor, createSecretResolver } from '../../packages/core/src/index.js';
import { compare, measure, type Comparison } from '../lib/measure.js';

export async function benchSecrets(): Promise<{ comparisons: Comparison[]; notes: string[] }> {
  const directory = await mkdtemp(join(tmpdir(), 'aurora-bench-secrets-'));
  const key = Buffer.alloc(32, 3);
  try {
    const store = createLocalSecretStore({ directory, key });
    await store.put('orgs/acme/aws', { access_key_id: 'AKIA-BENCH', secret_access_key: 'x'.repeat(40) });
    const raw = async (): Promise<unknown> => {
      // The same work: locate the file by the hash of its path, read, decrypt, parse.
      const file = join(directory, 'secrets', `${createHash('sha256').update('orgs/acme/aws').digest('hex')}.json`);
      const envelope = JSON.parse(await readFile(file, 'utf8')) as {
        iv: string;
        tag: string;
        data: string;
        path: string;
      };
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(Buffer.from(`aurora-secret/v1\0${envelope.path}`));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    };
    const comparisons = [
      await compare('secrets/local', 'get (decrypt)', () => store.get('orgs/acme/aws'), raw, { iterations: 2000 }),
    ];

    const resolver = createSecretResolver({ stores: { local: store } });
    await resolver.resolve('local:orgs/{org}/aws#access_key_id', { org: 'acme' });
    const cached = await measure(
      'resolve (cache hit)',
      () => resolver.resolve('local:orgs/{org}/aws#access_key_id', { org: 'acme' }),
      { iterations: 20_000 },
    );

    const redactor = createSecretRedactor();
    for (let i = 0; i < 100; i += 1) redactor.learn(`secret-value-${i}-${'k'.repeat(24)}`);
    const line = 'GET /api/v1/incidents?page=2 200 12ms user=ops@example.com region=eu-west-1 trace=abc123\n';
    const text = line.repeat(Math.ceil((1024 * 1024) / line.length));
    const samples: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      const started = performance.now();
      redactor.redact(text);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const mbPerSecond = text.length / 1024 / 1024 / ((samples[3] ?? 1) / 1000);
    return {
      comparisons,
      notes: [
        `resolver cache hit: ${cached.opsPerSecond.toFixed(0)} resolves/s (p50 ${(cached.p50Ms * 1000).toFixed(1)} µs)`,
        `redactor: ${mbPerSecond.toFixed(1)} MB/s of log text with 100 learned secrets (~${redactor.size} forms), median of 7`,
      ],
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
