import { HumanMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { modelChunks, type StreamingModel } from './model-stream.js';
import { createScriptedChatModel } from './scripted-model.js';

/** A model that yields one chunk, then waits for `release` without looking at the signal. */
function deafModel() {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const state = { closed: false };
  const model: StreamingModel<string> = {
    stream: () => Promise.reject(new Error('not used')),
    async *_streamIterator() {
      try {
        yield 'first';
        await released;
        yield 'second';
      } finally {
        state.closed = true;
      }
    },
  };
  return { model, release, state };
}

describe('modelChunks', () => {
  it('yields what .stream() yields', async () => {
    const turns = [{ text: 'the checkout service is degraded' }];
    const viaStream: string[] = [];
    for await (const chunk of await createScriptedChatModel({ turns }).stream([new HumanMessage('hi')]))
      viaStream.push(chunk.text);
    const direct: string[] = [];
    const signal = new AbortController().signal;
    for await (const chunk of modelChunks(createScriptedChatModel({ turns }), [new HumanMessage('hi')], signal))
      direct.push(chunk.text);
    expect(direct).toEqual(viaStream);
    expect(direct.join('')).toBe('the checkout service is degraded');
  });

  it("an abort ends the wait for the next chunk at once, even when the model ignores the signal; the model's stream is closed", async () => {
    const { model, release, state } = deafModel();
    const controller = new AbortController();
    const seen: string[] = [];
    const consumed = (async () => {
      for await (const chunk of modelChunks(model, [], controller.signal)) seen.push(chunk);
    })();
    await new Promise((done) => setImmediate(done));
    expect(seen).toEqual(['first']);
    const reason = new Error('cancelled by the operator');
    controller.abort(reason);
    await expect(consumed).rejects.toBe(reason);
    expect(state.closed).toBe(false); // still waiting on its provider
    release();
    await new Promise((done) => setImmediate(done));
    expect(state.closed).toBe(true);
    expect(seen).toEqual(['first']);
  });

  it("a caller that stops early closes the model's stream; an aborted signal yields nothing", async () => {
    const { model, release, state } = deafModel();
    for await (const chunk of modelChunks(model, [], new AbortController().signal)) {
      expect(chunk).toBe('first');
      break;
    }
    release();
    await new Promise((done) => setImmediate(done));
    expect(state.closed).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(modelChunks(deafModel().model, [], controller.signal).next()).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
