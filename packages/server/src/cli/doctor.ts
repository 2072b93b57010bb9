import { AuroraError, ConfigurationError } from '@aurora-ops/core';
import { mapModelError } from '@aurora-ops/core/agent';
import { loadConfig } from '../config/config.js';
import { createRuntime, resolveModel } from '../runtime.js';
import type { CliIo } from './cli.js';

const HINTS: Record<string, string> = {
  database:
    'Check AURORA_DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts connections from here.',
  objects: 'Check AURORA_S3_ENDPOINT / AURORA_S3_BUCKET and the access keys; the bucket must exist.',
  secrets: 'Check AURORA_VAULT_ADDR and AURORA_VAULT_TOKEN; Vault must be unsealed with KV v2 at AURORA_VAULT_MOUNT.',
  cache: 'Check AURORA_REDIS_URL and that Redis is running.',
  queue: 'Check AURORA_REDIS_URL (BullMQ) or the database (embedded queue).',
};

const message = (error: unknown) =>
  AuroraError.isInstance(error) ? `${error.code}: ${error.message}` : (error as Error).message;

/** `aurora doctor`: every check runs for real; returns false when any fails. */
export async function runDoctor(io: CliIo): Promise<boolean> {
  let healthy = true;
  const line = (ok: boolean | 'warn', text: string, hint?: string) => {
    if (ok === false) healthy = false;
    io.out(`${ok === true ? '✓' : ok === 'warn' ? '!' : '✗'} ${text}`);
    if (hint && ok !== true) io.out(`    → ${hint}`);
  };
  let config;
  try {
    config = loadConfig(io.env);
    line(true, 'configuration is valid');
  } catch (error) {
    line(
      false,
      `configuration: ${ConfigurationError.isInstance(error) ? error.message : message(error)}`,
      'Fix the variable named above.',
    );
    return false;
  }
  let runtime;
  try {
    runtime = await createRuntime(config, { bootstrap: false, takeOverRuns: false, log: () => undefined });
  } catch (error) {
    line(false, `opening the stores and plugins failed: ${message(error)}`);
    return false;
  }
  try {
    for (const check of await runtime.stores.check()) {
      const area = check.name.split(' ')[0] ?? check.name;
      line(check.ok, `${check.name}${check.ok ? ` (${check.ms} ms)` : `: ${check.detail ?? 'failed'}`}`, HINTS[area]);
    }
    const plugins = runtime.plugins.status();
    if (plugins.length === 0)
      line(
        'warn',
        'no plugins configured',
        'Set AURORA_PLUGINS=aws,gcp,azure or add plugins in the AURORA_CONFIG file.',
      );
    for (const plugin of plugins) {
      const ok = plugin.state === 'ready';
      line(
        ok,
        `plugin ${plugin.name}: ${plugin.state}${ok ? ` (${plugin.toolCount} tools)` : plugin.lastError ? `: ${plugin.lastError.message}` : ''}`,
        plugin.stderrTail?.length
          ? `stderr: ${plugin.stderrTail.slice(-3).join(' | ')}`
          : 'Check the command and its environment.',
      );
    }
    if (config.model.startsWith('demo:')) {
      line(
        'warn',
        'model: the offline demo model answers with set-up help only',
        'Set AURORA_MODEL, e.g. openai:gpt-4.1-mini with OPENAI_API_KEY.',
      );
    } else {
      try {
        const model = await resolveModel(config, runtime.stores);
        const started = performance.now();
        await model.invoke('Reply with the word ok.', { signal: AbortSignal.timeout(30_000) });
        line(true, `model ${config.model} answered (${Math.round(performance.now() - started)} ms)`);
      } catch (error) {
        line(
          false,
          `model ${config.model}: ${message(mapModelError(error))}`,
          'Check the provider API key variable and the model name.',
        );
      }
    }
  } finally {
    await runtime.close();
  }
  return healthy;
}
