import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { pgliteCompilerFlag } from '../stores/pglite-compiler.js';
import { CONFIG_VARIABLES, loadConfig } from './config.js';

const problem = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(ConfigurationError.isInstance(error)).toBe(true);
    return (error as Error).message.split(' See ')[0] ?? '';
  }
  throw new Error('expected a configuration error');
};

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, role: 'all', model: 'demo:scripted', plugins: [] });
    expect(config.database).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.vault).toBeUndefined();
    expect(config).toMatchObject({ maxStartingRuns: 64, stepEndsPerTurn: 4 });
    expect(loadConfig({ AURORA_STEP_ENDS_PER_TURN: '12' }).stepEndsPerTurn).toBe(12);
  });

  it('switches each store to its production adapter when its variables are set', () => {
    const config = loadConfig({
      AURORA_DATABASE_URL: 'postgres://aurora@db:5432/aurora',
      AURORA_REDIS_URL: 'redis://redis:6379',
      AURORA_S3_BUCKET: 'aurora',
      AURORA_S3_ENDPOINT: 'http://minio:9000',
      AURORA_S3_ACCESS_KEY_ID: 'minio',
      AURORA_S3_SECRET_ACCESS_KEY: 'minio-secret',
      AURORA_VAULT_ADDR: 'http://vault:8200',
      AURORA_VAULT_TOKEN: 'root-token',
      AURORA_WEAVIATE_URL: 'http://weaviate:8080',
      AURORA_NEO4J_URL: 'bolt://neo4j:7687',
      AURORA_NEO4J_PASSWORD: 'neo4j-password',
      AURORA_PLUGINS: 'aws, gcp',
    });
    expect(config.database?.url).toBe('postgres://aurora@db:5432/aurora');
    expect(config.redis).toEqual({ url: 'redis://redis:6379', prefix: 'aurora' });
    expect(config.s3).toMatchObject({ bucket: 'aurora', endpoint: 'http://minio:9000', forcePathStyle: true });
    expect(config.vault).toEqual({ address: 'http://vault:8200', token: 'root-token', mount: 'secret' });
    expect(config.neo4j?.user).toBe('neo4j');
    expect(config.plugins.map((plugin) => plugin.name)).toEqual(['aws', 'gcp']);
  });

  it.each([
    [{ AURORA_PORT: 'eighty' }, /^AURORA_PORT: /],
    [{ AURORA_PORT: '70000' }, /^AURORA_PORT: /],
    [{ AURORA_DATABASE_URL: 'mysql://x' }, /^AURORA_DATABASE_URL: must be a postgres or postgresql URL/],
    [{ AURORA_REDIS_URL: 'not a url' }, /^AURORA_REDIS_URL: /],
    [{ AURORA_VAULT_ADDR: 'http://vault:8200' }, /^AURORA_VAULT_TOKEN: is required when AURORA_VAULT_ADDR is set/],
    [{ AURORA_S3_ENDPOINT: 'http://minio:9000' }, /^AURORA_S3_BUCKET: is required/],
    [{ AURORA_SECRET_KEY: 'short' }, /^AURORA_SECRET_KEY: must be at least 32 characters/],
    [{ AURORA_MODEL: 'gpt-4' }, /^AURORA_MODEL: must be provider:model/],
    [{ AURORA_ROLE: 'boss' }, /^AURORA_ROLE: /],
    [{ AURORA_PLUGINS: 'aws,oracle' }, /^AURORA_PLUGINS: unknown built-in plugin "oracle"/],
    [{ AURORA_STEP_ENDS_PER_TURN: '0' }, /^AURORA_STEP_ENDS_PER_TURN: /],
  ])('%j fails with one line naming the variable', (env, expected) => {
    const message = problem(env);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  it('never echoes a secret value in the error', () => {
    expect(problem({ AURORA_SECRET_KEY: 'hunter2-too-short' })).not.toContain('hunter2');
  });

  it('reads a JSON config file; the environment wins; plugins are validated', () => {
    const directory = mkdtempSync(join(tmpdir(), 'aurora-config-'));
    const file = join(directory, 'aurora.json');
    writeFileSync(
      file,
      JSON.stringify({
        AURORA_PORT: 9000,
        AURORA_MODEL: 'openai:gpt-4.1-mini',
        plugins: [{ name: 'grafana', command: 'npx', args: ['grafana-mcp'], dependsOn: [] }],
      }),
    );
    const config = loadConfig({ AURORA_CONFIG: file, AURORA_PORT: '9100' });
    expect(config.port).toBe(9100);
    expect(config.model).toBe('openai:gpt-4.1-mini');
    expect(config.plugins).toEqual([{ name: 'grafana', command: 'npx', args: ['grafana-mcp'], dependsOn: [] }]);

    writeFileSync(file, JSON.stringify({ plugins: [{ name: 'x', command: 'a', url: 'http://b' }] }));
    expect(problem({ AURORA_CONFIG: file })).toMatch(
      /^AURORA_CONFIG: plugin "x" needs exactly one of builtin, command or url/,
    );
    writeFileSync(file, JSON.stringify({ AURORA_PROT: 1 }));
    expect(problem({ AURORA_CONFIG: file })).toMatch(/^AURORA_CONFIG: unknown key "AURORA_PROT"/);
    writeFileSync(file, '{ nope');
    expect(problem({ AURORA_CONFIG: file })).toMatch(/^AURORA_CONFIG: cannot read .* as JSON/);
  });

  it('compiles the embedded PGlite with the baseline compiler unless told otherwise', () => {
    expect(loadConfig({}).pgliteCompiler).toBe('baseline');
    expect(pgliteCompilerFlag(loadConfig({}))).toBe('--liftoff-only');
    expect(pgliteCompilerFlag(loadConfig({ AURORA_PGLITE_COMPILER: 'optimizing' }))).toBeUndefined();
    // On PostgreSQL there is no PGlite to compile: V8 keeps its defaults.
    expect(pgliteCompilerFlag(loadConfig({ AURORA_DATABASE_URL: 'postgres://db/aurora' }))).toBeUndefined();
    expect(problem({ AURORA_PGLITE_COMPILER: 'turbo' })).toMatch(/^AURORA_PGLITE_COMPILER: /);
  });

  it('documents every variable, here and in docs/server.md', () => {
    const docs = readFileSync(new URL('../../../../docs/server.md', import.meta.url), 'utf8');
    for (const [name, spec] of Object.entries(CONFIG_VARIABLES)) {
      expect(spec.description.length, name).toBeGreaterThan(10);
      expect(docs, name).toContain(`\`${name}\``);
    }
  });
});
