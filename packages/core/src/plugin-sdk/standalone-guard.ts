import type { ClientCapabilities, ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { Risk } from '../confirmation/risk.js';
import { AuroraError } from '../errors/aurora-error.js';

/**
 * Who confirms a `write` or `destructive` call.
 * - `elicit` (default): the plugin asks the client's user through MCP elicitation, and
 *   refuses when the client cannot ask.
 * - `allow`: the operator started the server with `--allow-writes`; calls run unasked.
 * - `host`: Aurora's host already ran its confirmation protocol before sending the call.
 *   Only Aurora should start a plugin in this mode.
 */
export type ConfirmationMode = 'elicit' | 'allow' | 'host';

export const CONFIRMATION_MODES: readonly ConfirmationMode[] = ['elicit', 'allow', 'host'];

export interface GuardRequest {
  readonly mode: ConfirmationMode;
  readonly tool: string;
  readonly risk: Risk;
  readonly summary: string;
  readonly clientCapabilities: ClientCapabilities | undefined;
  readonly elicit: (params: ElicitRequestFormParams) => Promise<ElicitResult>;
}

/** Whether the client declared form elicitation (an empty `elicitation: {}` means form). */
export function supportsFormElicitation(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation;
  if (elicitation === undefined) return false;
  return Object.keys(elicitation).length === 0 || elicitation.form !== undefined;
}

/** The form a client shows to confirm a call. */
export function confirmationRequest(tool: string, risk: Risk, summary: string): ElicitRequestFormParams {
  return {
    mode: 'form',
    message: `Confirm ${risk} action (${tool}): ${summary}`,
    requestedSchema: {
      type: 'object',
      properties: {
        confirm: {
          type: 'boolean',
          title: 'Run this action?',
          description: `${summary}. This is a ${risk} action.`,
          default: false,
        },
      },
      required: ['confirm'],
    },
  };
}

/**
 * Confirms a non-read call in standalone mode. Resolves when it may run; otherwise
 * rejects with `CONFIRMATION_REQUIRED` (the client cannot ask) or `CONFIRMATION_REJECTED`
 * (declined, cancelled, or `confirm` not true). `read` calls, and the `allow` and `host`
 * modes, pass through.
 */
export async function guardCall(request: GuardRequest): Promise<void> {
  if (request.risk === 'read' || request.mode !== 'elicit') return;
  if (!supportsFormElicitation(request.clientCapabilities)) {
    throw new AuroraError('CONFIRMATION_REQUIRED', {
      message:
        `Tool "${request.tool}" is a ${request.risk} action and needs a confirmation, but this client does not ` +
        'support MCP elicitation. Use a client that supports elicitation, or restart the plugin server with ' +
        '--allow-writes to run such tools without asking.',
      details: { tool: request.tool, risk: request.risk },
    });
  }
  const answer = await request.elicit(confirmationRequest(request.tool, request.risk, request.summary));
  if (answer.action === 'accept' && answer.content?.confirm === true) return;
  throw new AuroraError('CONFIRMATION_REJECTED', {
    message: `Tool "${request.tool}" was not run: the user ${answer.action === 'accept' ? 'did not confirm it' : `chose ${answer.action}`}.`,
    details: { tool: request.tool, risk: request.risk, action: answer.action },
  });
}
