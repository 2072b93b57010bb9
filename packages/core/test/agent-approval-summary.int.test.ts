/**
 * The approver sees the plugin's own description of a call ("Scale group web to 3 instances")
 * when the tool has a `summary`: the host asks the plugin (nothing runs), and the agent puts
 * that text in the confirmation; a tool without one keeps the generic summary.
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { createPluginServer } from '../src/plugin-sdk/plugin-server.js';
import { definePlugin } from '../src/plugin-sdk/define-plugin.js';
import { defineTool } from '../src/plugin-sdk/define-tool.js';
import { approvePending, describeOnBackends, finish, ofType } from './support/agent-harness.js';

const scaled: string[] = [];
const fleet = definePlugin({
  name: 'fleet',
  version: '1.0.0',
  tools: [
    defineTool({
      name: 'scale_group',
      description: 'Scales an instance group.',
      input: z.object({ group: z.string().min(1), size: z.number().int().min(0) }),
      risk: 'write',
      summary: (input) => `Scale group ${input.group} to ${input.size} instances (running instances may stop)`,
      handler: (input) => {
        scaled.push(`${input.group}=${input.size}`);
        return `scaled ${input.group}`;
      },
    }),
  ],
});

describeOnBackends('approval summaries', ({ harness }) => {
  it("a plugin tool's summary reaches the approver; describing it runs nothing; approval runs it once", async () => {
    scaled.length = 0;
    const h = await harness({
      turns: [{ toolCalls: [{ name: 'fleet__scale_group', args: { group: 'web', size: 3 } }] }, { text: 'Scaled.' }],
    });
    await h.host.connect({
      name: 'fleet',
      transport: { kind: 'in-process', server: () => createPluginServer(fleet, { confirmations: 'host' }) },
    });
    const first = await finish(await h.agent.run({ org: 'acme', user: 'bob', message: 'scale web to 3' }));
    expect(first.result.status).toBe('paused');
    const [requested] = ofType(first.events, 'confirmation.requested');
    expect(requested?.summary).toBe('Scale group web to 3 instances (running instances may stop)');
    expect(scaled).toEqual([]);
    const [pending] = await h.confirmations.listPending('acme', first.result.runId);
    expect(pending?.summary).toBe(requested?.summary);

    const token = await approvePending(h.confirmations, 'acme', first.result.runId);
    const second = await finish(
      await h.agent.resume({ org: 'acme', runId: first.result.runId, tokens: { [pending!.id]: token } }),
    );
    expect(second.result.status).toBe('completed');
    expect(scaled).toEqual(['web=3']);
  });

  it('a tool without a summary keeps the generic one', async () => {
    const h = await harness({ turns: [{ toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-1' } }] }] });
    const run = await finish(await h.agent.run({ org: 'acme', message: 'delete i-1' }));
    expect(ofType(run.events, 'confirmation.requested')[0]?.summary).toBe(
      'ops__delete_instance (destructive) with {"id":"i-1"}',
    );
  });
});
