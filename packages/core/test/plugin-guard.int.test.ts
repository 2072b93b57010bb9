/**
 * The standalone guard with real MCP SDK clients: elicitation accepted, declined and
 * cancelled (in-process and over Streamable HTTP, where the request must reach the right
 * session), refusal without elicitation, and the example bin's --allow-writes, --read-only,
 * --http and bad-flag behaviour.
 */
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createExamplePlugin } from './support/example-plugin.js';
import {
  callTool,
  connectBin,
  connectLocal,
  errorOf,
  runBin,
  type Connected,
  type LocalTransport,
} from './support/example-plugin-clients.js';

const open: Connected[] = [];
afterEach(async () => {
  for (const connection of open.splice(0).reverse()) await connection.close();
});
const track = (connection: Connected): Connected => {
  open.push(connection);
  return connection;
};

async function eliciting(kind: LocalTransport, answer: ElicitResult) {
  const { plugin, state } = createExamplePlugin();
  const asked: ElicitRequestFormParams[] = [];
  const { client } = track(
    await connectLocal(plugin, kind, {}, { capabilities: { elicitation: {} } }, (target) =>
      target.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request.params as ElicitRequestFormParams);
        return answer;
      }),
    ),
  );
  return { client, state, asked };
}

describe.each(['in-process', 'http'] as const)('elicitation (%s)', (kind) => {
  it('asks with the summary and a boolean confirm field, and runs on accept + confirm', async () => {
    const { client, state, asked } = await eliciting(kind, { action: 'accept', content: { confirm: true } });
    const result = await callTool(client, 'scale_service', { service: 'api', replicas: 3 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ service: 'api', replicas: 3 });
    expect(state.scaled).toEqual([{ service: 'api', replicas: 3 }]);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toBe('Confirm write action (scale_service): Scale api to 3 replicas');
    expect(asked[0]?.requestedSchema).toMatchObject({
      type: 'object',
      properties: { confirm: { type: 'boolean' } },
      required: ['confirm'],
    });
  });

  it('uses a generated summary for a tool without one', async () => {
    const { client, state, asked } = await eliciting(kind, { action: 'accept', content: { confirm: true } });
    const result = await callTool(client, 'delete_bucket', { bucket: 'old-logs' });
    expect(result.content).toEqual([{ type: 'text', text: 'Deleted bucket old-logs.' }]);
    expect(state.deleted).toEqual(['old-logs']);
    expect(asked[0]?.message).toBe(
      'Confirm destructive action (delete_bucket): Delete a bucket with {"bucket":"old-logs"}',
    );
  });

  it.each([
    ['decline', { action: 'decline' }],
    ['cancel', { action: 'cancel' }],
    ['accept', { action: 'accept', content: { confirm: false } }],
  ] as const)('refuses with CONFIRMATION_REJECTED on %s without confirm', async (action, answer) => {
    const { client, state } = await eliciting(kind, answer);
    const result = await callTool(client, 'delete_bucket', { bucket: 'old-logs' });
    expect(errorOf(result)).toMatchObject({
      code: 'CONFIRMATION_REJECTED',
      details: { tool: 'delete_bucket', risk: 'destructive', action },
    });
    expect(state.deleted).toEqual([]);
  });

  it('never asks for a read tool', async () => {
    const { client, asked } = await eliciting(kind, { action: 'decline' });
    expect((await callTool(client, 'echo_text', { text: 'hi' })).structuredContent).toEqual({ text: 'hi', length: 2 });
    expect(asked).toEqual([]);
  });

  it('refuses with CONFIRMATION_REQUIRED when the client declares no elicitation', async () => {
    const { plugin, state } = createExamplePlugin();
    const { client } = track(await connectLocal(plugin, kind));
    const result = await callTool(client, 'scale_service', { service: 'api', replicas: 1 });
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(errorOf(result).message).toContain('--allow-writes');
    expect(state.scaled).toEqual([]);
  });
});

describe('the example bin', () => {
  it('--allow-writes runs destructive tools without asking (stdio)', async () => {
    const { client } = track(await connectBin(['--allow-writes']));
    const result = await callTool(client, 'delete_bucket', { bucket: 'old-logs' });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'Deleted bucket old-logs.' }]);
  });

  it('without flags refuses destructive tools for a client without elicitation, and logs only to stderr', async () => {
    const connection = track(await connectBin([]));
    const result = await callTool(connection.client, 'delete_bucket', { bucket: 'old-logs' });
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(connection.stderr()).toContain('"message":"serving over stdio"');
    expect(connection.stderr()).toContain('"confirmations":"elicit"');
  });

  it('--read-only lists read tools only (stdio)', async () => {
    const { client } = track(await connectBin(['--read-only']));
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(['broken_output', 'cloud_whoami', 'count_slowly', 'echo_text', 'fail_with_error']);
    expect(errorOf(await callTool(client, 'scale_service', { service: 'a', replicas: 1 })).code).toBe('FORBIDDEN');
  });

  it('exits 2 with one line on stderr for an unknown flag', async () => {
    const run = await runBin(['--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('example: Unknown option "--frobnicate". Try --help.\n');
    expect(run.stdout).toBe('');
  });

  it('--version and --help print on stdout and exit 0', async () => {
    expect(await runBin(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--read-only');
  });
});
