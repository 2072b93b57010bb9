/**
 * A small plugin that exercises every path of the plugin SDK: a read tool with an output
 * schema, a write tool with a summary, a destructive tool, a tool that reports progress
 * (and notices cancellation), one that throws typed and untyped errors, one whose output
 * breaks its schema, and one that reads a credential slot.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AuroraError } from '../../src/errors/aurora-error.js';
import { NotFoundError, UpstreamError } from '../../src/errors/errors.js';
import { definePlugin, defineTool, type PluginDefinition } from '../../src/plugin-sdk/index.js';

export interface ExampleState {
  readonly scaled: { service: string; replicas: number }[];
  readonly deleted: string[];
  /** The error code (or name) of each `count_slowly` call whose signal aborted. */
  readonly aborted: string[];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createExamplePlugin(): { plugin: PluginDefinition; state: ExampleState } {
  const state: ExampleState = { scaled: [], deleted: [], aborted: [] };

  const echo = defineTool({
    name: 'echo_text',
    title: 'Echo text',
    description: 'Returns the text, optionally upper-cased, with its length.',
    input: z.object({ text: z.string().min(1).max(200), upper: z.boolean().optional() }),
    output: z.object({ text: z.string(), length: z.number().int() }),
    risk: 'read',
    handler: ({ text, upper }) => ({ text: upper === true ? text.toUpperCase() : text, length: text.length }),
  });

  const scale = defineTool({
    name: 'scale_service',
    title: 'Scale a service',
    description: 'Sets the replica count of a service.',
    input: z.object({ service: z.string().regex(/^[a-z][a-z0-9-]*$/), replicas: z.number().int().min(0).max(100) }),
    output: z.object({ service: z.string(), replicas: z.number().int() }),
    risk: 'write',
    summary: ({ service, replicas }) => `Scale ${service} to ${replicas} replicas`,
    handler: ({ service, replicas }) => {
      state.scaled.push({ service, replicas });
      return { service, replicas };
    },
  });

  const remove = defineTool({
    name: 'delete_bucket',
    title: 'Delete a bucket',
    description: 'Deletes a storage bucket and everything in it.',
    input: z.object({ bucket: z.string().min(3) }),
    risk: 'destructive',
    handler: ({ bucket }) => {
      state.deleted.push(bucket);
      return `Deleted bucket ${bucket}.`;
    },
  });

  const count = defineTool({
    name: 'count_slowly',
    description: 'Counts to `steps`, reporting progress after each step.',
    input: z.object({ steps: z.number().int().min(1).max(50), delayMs: z.number().int().min(0).max(60_000) }),
    output: z.object({ counted: z.number().int() }),
    risk: 'read',
    handler: async ({ steps, delayMs }, context) => {
      try {
        for (let step = 1; step <= steps; step += 1) {
          await sleep(delayMs, context.signal);
          await context.progress(step, steps, `step ${step} of ${steps}`);
        }
      } catch (error) {
        state.aborted.push(AuroraError.isInstance(error) ? error.code : String(error));
        throw error;
      }
      return { counted: steps };
    },
  });

  const fail = defineTool({
    name: 'fail_with_error',
    description: 'Fails on purpose: a typed NotFoundError, or an untyped crash.',
    input: z.object({ kind: z.enum(['aurora', 'crash']) }),
    risk: 'read',
    handler: ({ kind }) => {
      if (kind === 'aurora') {
        throw new NotFoundError({ message: 'No widget named "w-42".', details: { widget: 'w-42' } });
      }
      throw new Error('database password is hunter2-very-secret (this text must never reach a client)');
    },
  });

  const broken = defineTool({
    name: 'broken_output',
    description: 'Returns a value that does not match its own output schema.',
    input: z.object({}),
    output: z.object({ count: z.number() }),
    risk: 'read',
    handler: () => ({ count: 'many' }) as unknown as { count: number },
  });

  const whoami = defineTool({
    name: 'cloud_whoami',
    description: 'Says which credential the call would use; in `leak` mode it tries to leak it.',
    input: z.object({ mode: z.enum(['safe', 'leak-result', 'leak-error']).default('safe') }),
    output: z.object({
      source: z.enum(['default-chain', 'reference']),
      /** The first 12 hex characters of SHA-256(secret_access_key): proves which secret arrived. */
      fingerprint: z.string().optional(),
      echo: z.string().optional(),
    }),
    risk: 'read',
    connectionTest: true,
    credentials: ['cloud'],
    handler: async ({ mode }, context) => {
      const secret = await context.credential('cloud');
      if (secret === undefined) return { source: 'default-chain' as const };
      const key = secret.secret_access_key ?? '';
      const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 12);
      context.logger.info('calling the cloud', { keyId: secret.access_key_id, key });
      if (mode === 'leak-error')
        throw new UpstreamError({ message: `The cloud refused key ${key}.`, details: { key } });
      return { source: 'reference' as const, fingerprint, ...(mode === 'leak-result' ? { echo: key } : {}) };
    },
  });

  const plugin = definePlugin({
    name: 'example',
    version: '0.1.0',
    title: 'Example plugin',
    description: 'Tools that exercise the Aurora plugin SDK.',
    credentials: {
      cloud: {
        description: 'An access key pair for the example cloud.',
        schema: z.object({ access_key_id: z.string(), secret_access_key: z.string() }),
      },
    },
    tools: [echo, scale, remove, count, fail, broken, whoami],
  });
  return { plugin, state };
}
