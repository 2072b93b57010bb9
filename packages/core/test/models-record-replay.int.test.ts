/**
 * Record a two-step tool-using run through the real OpenAI and Anthropic clients against
 * the local fakes, stop the fakes, and replay it: same texts, tool calls and usage, streamed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createChatModel } from '../src/agent/models/create-chat-model.js';
import { readRecording } from '../src/agent/models/model-recording.js';
import { createRecordingModel } from '../src/agent/models/recording-model.js';
import { ReplayMismatchError } from '../src/agent/models/replay-mismatch-error.js';
import { createReplayModel } from '../src/agent/models/replay-model.js';
import { extractUsage } from '../src/agent/models/usage.js';
import { createEnvSecretStore } from '../src/secrets/env-secret-store.js';
import { createSecretResolver } from '../src/secrets/resolver.js';
import { startFakeAnthropic } from './support/fake-anthropic-server.js';
import { startFakeOpenAi, type ScriptedReply } from './support/fake-openai-server.js';

const key = `sk-canary-${randomBytes(16).toString('hex')}`;
const lookup = {
  name: 'read_logs',
  description: 'Reads recent log lines of a service.',
  schema: z.object({ service: z.string(), lines: z.number().int() }),
};

interface Step {
  readonly chunks: number;
  readonly message: AIMessageChunk;
}

/** A tiny agent loop: ask, run the tool call (its result quotes the key), ask again. */
async function run(model: BaseChatModel): Promise<Step[]> {
  const bound = model.bindTools!([lookup]);
  const messages: BaseMessage[] = [new HumanMessage('Why does checkout fail?')];
  const steps: Step[] = [];
  for (let turn = 0; turn < 2; turn += 1) {
    let message: AIMessageChunk | undefined;
    let chunks = 0;
    for await (const chunk of await bound.stream(messages)) {
      chunks += 1;
      message = message === undefined ? chunk : message.concat(chunk);
    }
    if (message === undefined) throw new Error('no output');
    steps.push({ chunks, message });
    messages.push(message);
    for (const call of message.tool_calls ?? []) {
      messages.push(new ToolMessage({ tool_call_id: call.id ?? '', content: `db password rejected; token ${key}` }));
    }
  }
  return steps;
}

const script: ScriptedReply[] = [
  {
    text: 'Reading the logs.',
    toolCalls: [{ id: 'call_logs', name: 'read_logs', arguments: { service: 'checkout', lines: 50 } }],
    usage: { input: 120, output: 18 },
  },
  { text: 'Checkout fails because the database password was rotated.', usage: { input: 190, output: 14 } },
];

function summary(steps: Step[]): unknown[] {
  return steps.map(({ message }) => ({
    text: message.text,
    toolCalls: (message.tool_calls ?? []).map(({ id, name, args }) => ({ id, name, args })),
    usage: extractUsage(message),
  }));
}

describe.each([
  ['openai', 'openai:gpt-4.1-mini'],
  ['anthropic', 'anthropic:claude-sonnet-4-5'],
])('record and replay through %s', (provider, spec) => {
  let directory: string;
  let file: string;
  let recorded: Step[];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-replay-'));
    file = join(directory, 'nested', 'run.jsonl');
    const fake = provider === 'openai' ? await startFakeOpenAi() : await startFakeAnthropic();
    fake.enqueue(...script);
    const secrets = createSecretResolver({ stores: { env: createEnvSecretStore({ env: { API_KEY: key } }) } });
    const inner = await createChatModel(spec, { apiKey: 'env:API_KEY', secrets, baseUrl: fake.url, maxRetries: 0 });
    const recording = createRecordingModel(inner, { file, redactor: secrets.redactor });
    recorded = await run(recording);
    await recording.flush();
    await fake.stop();
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('recorded both calls, their inputs and outputs, without the key', async () => {
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toContain('[REDACTED]');
    const calls = await readRecording(file);
    expect(calls.map((call) => call.index)).toEqual([0, 1]);
    expect(calls[0]?.input.tools).toEqual([
      expect.objectContaining({ name: 'read_logs', description: 'Reads recent log lines of a service.' }),
    ]);
    expect(calls[0]?.output.toolCalls).toEqual([
      { id: 'call_logs', name: 'read_logs', args: { service: 'checkout', lines: 50 } },
    ]);
    expect(calls[1]?.input.messages.map((message) => message.role)).toEqual(['human', 'ai', 'tool']);
    expect(calls[1]?.output.text).toBe('Checkout fails because the database password was rotated.');
    expect(calls[1]?.output.usage).toMatchObject({ input_tokens: 190 });
  });

  it('replays with the provider stopped: same texts, tool calls and usage, streamed', async () => {
    expect(summary(recorded)[0]).toMatchObject({ toolCalls: [{ id: 'call_logs', name: 'read_logs' }] });
    const replay = createReplayModel({ file });
    const replayed = await run(replay);
    expect(summary(replayed)).toEqual(summary(recorded));
    expect(replayed.map((step) => step.message.content)).toEqual(recorded.map((step) => step.message.content));
    for (const step of replayed) expect(step.chunks).toBeGreaterThan(2);
    expect(await replay.remaining()).toBe(0);
  });

  it('answers invoke() too', async () => {
    const replay = createReplayModel({ file });
    const message = await replay.bindTools([lookup]).invoke([new HumanMessage('Why does checkout fail?')]);
    expect(message.tool_calls?.[0]).toMatchObject({
      id: 'call_logs',
      name: 'read_logs',
      args: { service: 'checkout' },
    });
  });

  it('throws ReplayMismatchError when the run diverges, and when it runs past the recording', async () => {
    const replay = createReplayModel({ file });
    const error = await replay
      .bindTools([lookup])
      .invoke([new HumanMessage('Why does payment fail?')])
      .catch((caught: unknown) => caught);
    expect(ReplayMismatchError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { reason: 'input differs', index: 0, at: 'messages[0].content' },
    });

    const unbound = await createReplayModel({ file })
      .invoke([new HumanMessage('Why does checkout fail?')])
      .catch((caught: unknown) => caught);
    expect(unbound).toMatchObject({ details: { reason: 'input differs', at: 'tools[0]' } });

    const loose = createReplayModel({ file, strict: false });
    expect((await loose.invoke('anything')).tool_calls?.[0]?.name).toBe('read_logs');
    expect((await loose.invoke('anything else')).text).toBe(
      'Checkout fails because the database password was rotated.',
    );
    const exhausted = await loose.invoke('one more').catch((caught: unknown) => caught);
    expect(exhausted).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'recording exhausted', recorded: 2 } });
  });
});

describe('reading recordings', () => {
  it('reports a missing file as NOT_FOUND and a bad line as DATA_CORRUPTED', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-replay-'));
    try {
      const missing = await createReplayModel({ file: join(directory, 'none.jsonl') })
        .invoke('x')
        .catch((caught: unknown) => caught);
      expect(missing).toMatchObject({ code: 'NOT_FOUND' });
      const bad = join(directory, 'bad.jsonl');
      await import('node:fs/promises').then(({ writeFile }) => writeFile(bad, '{"format":"other"}\n'));
      const corrupted = await createReplayModel({ file: bad })
        .invoke('x')
        .catch((caught: unknown) => caught);
      expect(corrupted).toMatchObject({ code: 'DATA_CORRUPTED', details: { line: 1 } });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
