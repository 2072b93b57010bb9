/**
 * An agent process for the kill tests. `AGENT_MODE=start`: runs "delete i-kill" until the run
 * pauses on its confirmation, prints `{"runId", "confirmationId"}` as one line, then stays up
 * (a server holding a pending approval) until it is killed. `AGENT_MODE=resume`: resumes
 * `AGENT_RUN` and prints the run result as one line. The destructive tool appends one line
 * per execution to `AGENT_CALLS`, so the test counts executions across processes.
 * `AGENT_DB`: a PostgreSQL URL, or a directory for PGlite. `AGENT_KEY`: the confirmation key.
 */
import { appendFile } from 'node:fs/promises';
import type { BaseMessage } from '@langchain/core/messages';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createAgent } from '../../src/agent/create-agent.js';
import { createScriptedChatModel } from '../../src/agent/scripted-model.js';
import { createMemoryAuditSink } from '../../src/confirmation/audit-sink.js';
import { createConfirmationService } from '../../src/confirmation/confirmation-service.js';
import { createMcpHost } from '../../src/mcp-host/create-mcp-host.js';
import { createSecretRedactor } from '../../src/secrets/redactor.js';
import type { Database } from '../../src/storage/database/database.js';

const mode = process.env.AGENT_MODE ?? 'start';
const target = process.env.AGENT_DB ?? '';
const callsFile = process.env.AGENT_CALLS ?? '';

const database: Database = target.startsWith('postgres')
  ? (await import('../../src/storage/postgres/index.js')).createPostgresDatabase({ connectionString: target })
  : (await import('../../src/storage/pglite/index.js')).createPgliteDatabase({ dataDir: target, vector: false });

const server = (): McpServer => {
  const mcp = new McpServer({ name: 'ops-kill', version: '1.0.0' });
  mcp.registerTool(
    'delete_instance',
    { description: 'Deletes an instance.', inputSchema: { id: z.string() }, annotations: { destructiveHint: true } },
    async (args) => {
      await appendFile(callsFile, `${process.pid} ${args.id}\n`);
      return { content: [{ type: 'text', text: `deleted ${args.id}` }] };
    },
  );
  return mcp;
};

const lastText = (messages: readonly BaseMessage[]): string => {
  const content = messages.at(-1)?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
};

const host = createMcpHost({});
await host.connect({ name: 'ops', transport: { kind: 'in-process', server } });
const confirmations = createConfirmationService({
  database,
  key: process.env.AGENT_KEY ?? '',
  audit: createMemoryAuditSink(),
});
const model = createScriptedChatModel({
  turns:
    mode === 'start'
      ? [{ toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-kill' } }] }]
      : [(messages) => ({ text: `after restart: ${lastText(messages)}` })],
});
const agent = createAgent({
  model,
  modelName: 'scripted:kill',
  host,
  confirmations,
  database,
  redactor: createSecretRedactor(),
});

if (mode === 'start') {
  const handle = await agent.run({ org: 'acme', message: 'Delete i-kill' });
  let confirmationId: string | undefined;
  for await (const event of handle.events) {
    if (event.type === 'confirmation.requested') confirmationId = event.confirmationId;
  }
  const result = await handle.done;
  process.stdout.write(`${JSON.stringify({ runId: handle.runId, status: result.status, confirmationId })}\n`);
  await new Promise(() => undefined); // hold the pending approval until killed
} else {
  const handle = await agent.resume({ org: 'acme', runId: process.env.AGENT_RUN ?? '' });
  for await (const _event of handle.events) {
    // drain
  }
  const result = await handle.done;
  process.stdout.write(`${JSON.stringify({ status: result.status, text: result.text })}\n`);
  await agent.close();
  await host.close();
  await database.close();
}
