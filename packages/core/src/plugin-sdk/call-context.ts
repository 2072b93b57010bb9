import type { ElicitRequestFormParams, ElicitResult, ProgressToken } from '@modelcontextprotocol/sdk/types.js';
import { ConfigurationError, InvalidInputError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRedactor } from '../secrets/redactor.js';
import type { SecretResolver } from '../secrets/resolver.js';
import type { SecretValue } from '../secrets/secret-store.js';
import type { ObjectStore } from '../storage/objects/object-store.js';
import type { PluginDefinition } from './define-plugin.js';
import type { AnyToolDefinition } from './define-tool.js';
import type { AuroraCallMeta, ToolContext } from './tool-context.js';

export interface CallContextInput {
  readonly plugin: PluginDefinition;
  readonly tool: AnyToolDefinition;
  readonly meta: AuroraCallMeta;
  readonly defaultOrg: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly redactor: SecretRedactor;
  readonly resolver: SecretResolver | undefined;
  readonly objects: ObjectStore | undefined;
  readonly progressToken: ProgressToken | undefined;
  readonly sendProgress: (params: {
    progressToken: ProgressToken;
    progress: number;
    total?: number;
    message?: string;
  }) => Promise<void>;
  /** Present when the client supports form elicitation. */
  readonly elicit: ((params: ElicitRequestFormParams) => Promise<ElicitResult>) | undefined;
}

/** Resolves the reference the host passed for `slot`, checks its fields, and teaches the redactor. */
async function resolveCredential(input: CallContextInput, slot: string): Promise<SecretValue | undefined> {
  const { tool, meta, resolver, plugin } = input;
  if (!tool.credentials.includes(slot)) {
    throw new ConfigurationError({
      message: `Tool "${tool.name}" asked for credential slot "${slot}" without declaring it in defineTool({ credentials }).`,
      details: { tool: tool.name, slot },
    });
  }
  const reference = meta.credentials[slot];
  if (reference === undefined) return undefined;
  if (resolver === undefined) {
    throw new ConfigurationError({
      message: `The call carries a credential reference for slot "${slot}", but this plugin server was created without a secret resolver.`,
      details: { tool: tool.name, slot, setting: 'resolver' },
    });
  }
  if (meta.org === undefined) {
    throw new InvalidInputError({
      message: 'Credential references are resolved for an org; the call gave no "aurora/org" in _meta.',
      details: { tool: tool.name, slot },
    });
  }
  const value = await resolver.resolveAll(reference, { org: meta.org, signal: input.signal });
  input.redactor.learn(value);
  const schema = plugin.credentials[slot]?.schema;
  if (schema !== undefined) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      // Field names only: the issue messages describe expectations, values are never quoted.
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(secret)'))];
      throw new ConfigurationError({
        message: `The secret for credential slot "${slot}" does not have the expected fields (${fields.join(', ')}).`,
        details: { tool: tool.name, slot, fields },
      });
    }
  }
  return value;
}

/** The `ToolContext` one call's handler receives. */
export function createCallContext(input: CallContextInput): ToolContext {
  const { meta, progressToken, redactor } = input;
  const ids = {
    ...(meta.user === undefined ? {} : { user: meta.user }),
    ...(meta.session === undefined ? {} : { session: meta.session }),
    ...(meta.runId === undefined ? {} : { runId: meta.runId }),
    ...(meta.toolCallId === undefined ? {} : { toolCallId: meta.toolCallId }),
  };
  const org = meta.org ?? input.defaultOrg;
  const elicit = input.elicit;
  return {
    org,
    ...ids,
    signal: input.signal,
    logger: input.logger.child({ tool: input.tool.name, org, ...ids }),
    async progress(progress, total, message) {
      if (progressToken === undefined || input.signal.aborted) return;
      await input.sendProgress({
        progressToken,
        progress,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message: redactor.redact(message) }),
      });
    },
    credential: (slot) => resolveCredential(input, slot),
    ...(input.objects === undefined ? {} : { objects: input.objects }),
    ...(elicit === undefined ? {} : { elicit: (params) => elicit({ ...params, mode: 'form' }) }),
  };
}
