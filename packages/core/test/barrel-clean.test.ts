import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Walks the static import graph of each public entry and lists the packages it reaches.
 * The root entry must reach no driver, so `import '@aurora-ops/core'` works with none of
 * the optional peer dependencies installed; each subpath reaches only its own driver.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function packagesReachedFrom(entry: string, options: { readonly dynamic?: boolean } = {}): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? (options.dynamic === false ? undefined : match[2]);
      if (!specifier) continue;
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\?.*$/, '').replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier));
      }
    }
  };
  visit(resolve(src, entry));
  return packages;
}

const drivers = [
  'pg',
  '@electric-sql/pglite',
  '@electric-sql/pglite-pgvector',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  'node-vault',
  'bullmq',
  'ioredis',
  'neo4j-driver',
  'weaviate-client',
  '@langchain/openai',
  '@langchain/anthropic',
];

describe('barrel clean', () => {
  it('the root entry imports no driver, only its own small dependencies', () => {
    const reached = [...packagesReachedFrom('index.ts')];
    expect(reached.filter((name) => drivers.includes(name))).toEqual([]);
    expect(reached.filter((name) => !['zod', 'cron-parser', 'rate-limiter-flexible'].includes(name))).toEqual([]);
  });

  it.each([
    ['storage/postgres/index.ts', ['pg']],
    ['storage/pglite/index.ts', ['@electric-sql/pglite', '@electric-sql/pglite-pgvector']],
    ['storage/s3/index.ts', ['@aws-sdk/client-s3', '@aws-sdk/lib-storage']],
    ['storage/vault/index.ts', ['node-vault']],
    ['storage/bullmq/index.ts', ['bullmq', 'ioredis']],
    ['storage/redis/index.ts', ['ioredis']],
    ['storage/weaviate/index.ts', ['weaviate-client']],
    ['storage/neo4j/index.ts', ['neo4j-driver']],
    // Model providers are optional peers, loaded by dynamic import when a spec names them.
    ['agent/index.ts', ['@langchain/openai', '@langchain/anthropic']],
    ['mcp-host/index.ts', []],
    ['plugin-sdk/index.ts', []],
  ])('%s reaches only its own drivers', (entry, own) => {
    const reached = [...packagesReachedFrom(entry)];
    expect(reached.filter((name) => drivers.includes(name) && !own.includes(name))).toEqual([]);
  });

  it('the agent loads model providers only by dynamic import', () => {
    const reached = [...packagesReachedFrom('agent/index.ts', { dynamic: false })];
    expect(reached.filter((name) => drivers.includes(name))).toEqual([]);
  });

  it('the walker sees imports (guards against a vacuous pass)', () => {
    expect(packagesReachedFrom('errors/errors.test.ts').has('vitest')).toBe(true);
  });
});
