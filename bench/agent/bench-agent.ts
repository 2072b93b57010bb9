/**
 * The agent the CPU benchmarks run: the given model and database, an empty MCP host, the real
 * confirmation service, events not validated (as the server runs it). `runOnce` starts a run,
 * drains its events and checks that it completed.
 */
import type { BaseChatModel } from '../../packages/core/node_modules/@langchain/core/dist/language_models/chat_models.js';
import { createAgent } from '../../packages/core/src/agent/create-agent.js';
import type { Agent, AgentOptions } from '../../packages/core/src/agent/agent-types.js';
import { createMemoryAuditSink } from '../../packages/core/src/confirmation/audit-sink.js';
import { createConfirmationService } from '../../packages/core/src/confirmation/confirmation-service.js';
import { createMcpHost } from '../../packages/core/src/mcp-host/create-mcp-host.js';
import { createSecretRedactor } from '../../packages/core/src/secrets/redactor.js';
import type { Database } from '../../packages/core/src/storage/database/database.js';

export interface BenchAgent {
  readonly agent: Agent;
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

export function createBenchAgent(
  model: BaseChatModel,
  modelName: string,
  database: Database,
  options: Partial<AgentOptions> = {},
): BenchAgent {
  const host = createMcpHost();
  const agent = createAgent({
    model,
    modelName,
    host,
    confirmations: createConfirmationService({
      database,
      key: 'bench-key-0123456789abcdef0123456789abcdef',
      audit: createMemoryAuditSink(),
    }),
    database,
    redactor: createSecretRedactor(),
    validateEvents: false,
    ...options,
  });
  return {
    agent,
    async runOnce() {
      const handle = await agent.run({ org: 'bench', message: 'go' });
      for await (const _event of handle.events) {
        // drain
      }
      const result = await handle.done;
      if (result.status !== 'completed') throw new Error(`bench run ended ${result.status}`);
    },
    async close() {
      await agent.close();
      await host.close();
    },
  };
}
