import { InvalidInputError, NotFoundError } from '../errors/errors.js';
import type { HostTool } from '../mcp-host/mcp-host.js';
import type { ObjectStore } from '../storage/objects/object-store.js';

/** The host-side tool that pages through a result too large for the context. */
export const READ_RESULT_TOOL = 'aurora__read_result';

export const READ_RESULT_DEFINITION: HostTool = {
  name: READ_RESULT_TOOL,
  plugin: 'aurora',
  toolName: 'read_result',
  description:
    'Reads part of an earlier tool result that was cut because it was too large. Pass the handle from the note ' +
    'at the end of the cut result, an offset in characters and a limit.',
  inputSchema: {
    type: 'object',
    properties: {
      handle: { type: 'string' },
      offset: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1 },
    },
    required: ['handle'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true },
  risk: 'read',
};

const HANDLE = /^[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9_-]{1,128}$/;

const keyFor = (org: string, handle: string): string => `agent-results/${encodeURIComponent(org)}/${handle}.txt`;

export interface FittedResult {
  /** What the model sees. */
  readonly shown: string;
  readonly truncated?: { readonly handle: string; readonly totalChars: number };
}

/**
 * Cuts `text` to `budget` characters. With an object store the whole text is kept under an
 * org-scoped key and the note tells the model how to page through it.
 */
export async function fitResult(
  text: string,
  budget: number,
  where: { readonly org: string; readonly runId: string; readonly toolCallId: string; readonly objects?: ObjectStore },
): Promise<FittedResult> {
  if (text.length <= budget) return { shown: text };
  const head = text.slice(0, budget);
  if (!where.objects) {
    return { shown: `${head}\n[cut: showing ${budget} of ${text.length} characters]` };
  }
  const handle = `${where.runId.replace(/[^A-Za-z0-9_-]/g, '_')}/${where.toolCallId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  await where.objects.put(keyFor(where.org, handle), text, { contentType: 'text/plain; charset=utf-8' });
  return {
    shown:
      `${head}\n[cut: showing characters 0–${budget} of ${text.length}. ` +
      `Call ${READ_RESULT_TOOL} with {"handle": "${handle}", "offset": ${budget}, "limit": ${budget}} for more.]`,
    truncated: { handle, totalChars: text.length },
  };
}

/** One page of a kept result; another org's handle is `NotFoundError`. */
export async function readResultPage(
  objects: ObjectStore | undefined,
  org: string,
  args: Readonly<Record<string, unknown>>,
  budget: number,
): Promise<string> {
  const { handle, offset = 0, limit = budget } = args;
  if (typeof handle !== 'string' || !HANDLE.test(handle)) {
    throw new InvalidInputError({ message: `${READ_RESULT_TOOL} needs a handle from a cut result.` });
  }
  if (typeof offset !== 'number' || typeof limit !== 'number' || offset < 0 || limit < 1) {
    throw new InvalidInputError({ message: `${READ_RESULT_TOOL}: offset must be ≥ 0 and limit ≥ 1.` });
  }
  if (!objects) throw new NotFoundError({ message: 'No stored results: the agent has no object store.' });
  const { body } = await objects.get(keyFor(org, handle));
  const text = new TextDecoder().decode(body);
  const size = Math.min(Math.floor(limit), budget);
  const end = Math.min(text.length, Math.floor(offset) + size);
  const page = text.slice(Math.floor(offset), end);
  return end < text.length
    ? `${page}\n[characters ${Math.floor(offset)}–${end} of ${text.length}; next offset ${end}]`
    : `${page}\n[characters ${Math.floor(offset)}–${end} of ${text.length}; end of result]`;
}
