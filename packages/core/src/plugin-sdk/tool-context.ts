import { AURORA_META } from '../internal/aurora-meta.js';
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { InvalidInputError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { assertOrgId } from '../secrets/secret-reference.js';
import type { SecretValue } from '../secrets/secret-store.js';
import type { ObjectStore } from '../storage/objects/object-store.js';

/**
 * The request `_meta` keys Aurora's host sends with every `tools/call`. A standalone
 * client sends none of them; the plugin then runs for its default org with no
 * credential references (tools fall back to the platform's default credential chain).
 */
export { AURORA_META };

/** What Aurora's host says about a call, read from the request `_meta`. */
export interface AuroraCallMeta {
  readonly org?: string;
  readonly user?: string;
  readonly session?: string;
  readonly runId?: string;
  readonly toolCallId?: string;
  readonly credentials: Readonly<Record<string, string>>;
}

const MAX_META_TEXT = 256;

function text(meta: Record<string, unknown>, key: string): string | undefined {
  const value = meta[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_META_TEXT) {
    throw new InvalidInputError({
      message: `Request _meta "${key}" must be a non-empty string of at most ${MAX_META_TEXT} characters.`,
      details: { field: key },
    });
  }
  return value;
}

/**
 * Parses the `aurora/*` keys of a request `_meta`. Other keys (`progressToken`, a
 * client's own) are ignored. Malformed values are an `InvalidInputError` that names the
 * key, never the value.
 */
export function parseAuroraMeta(meta: unknown): AuroraCallMeta {
  if (meta === undefined || meta === null) return { credentials: {} };
  if (typeof meta !== 'object' || Array.isArray(meta)) {
    throw new InvalidInputError({ message: 'Request _meta must be an object.', details: { field: '_meta' } });
  }
  const record = meta as Record<string, unknown>;
  const org = text(record, AURORA_META.org);
  if (org !== undefined) assertOrgId(org);
  const credentials: Record<string, string> = {};
  const raw = record[AURORA_META.credentials];
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new InvalidInputError({
        message: `Request _meta "${AURORA_META.credentials}" must map credential slots to secret references.`,
        details: { field: AURORA_META.credentials },
      });
    }
    for (const [slot, reference] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof reference !== 'string' || reference.length === 0) {
        throw new InvalidInputError({
          message: `Request _meta "${AURORA_META.credentials}": slot "${slot}" must hold a secret reference string.`,
          details: { field: AURORA_META.credentials, slot },
        });
      }
      credentials[slot] = reference;
    }
  }
  const user = text(record, AURORA_META.user);
  const session = text(record, AURORA_META.session);
  const runId = text(record, AURORA_META.runId);
  const toolCallId = text(record, AURORA_META.toolCallId);
  return {
    ...(org === undefined ? {} : { org }),
    ...(user === undefined ? {} : { user }),
    ...(session === undefined ? {} : { session }),
    ...(runId === undefined ? {} : { runId }),
    ...(toolCallId === undefined ? {} : { toolCallId }),
    credentials,
  };
}

/** What a handler gets besides its parsed input. */
export interface ToolContext {
  /** The calling org (`aurora/org`), or the server's default org when standalone. */
  readonly org: string;
  readonly user?: string;
  readonly session?: string;
  readonly runId?: string;
  readonly toolCallId?: string;
  /** Aborted when the client cancels the call or the tool's time limit passes. */
  readonly signal: AbortSignal;
  /** Scrubs every resolved secret from what it writes. */
  readonly logger: Logger;
  /** Reports progress; a no-op unless the caller gave a `progressToken`. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * The secret for a credential slot this tool declared. Inside Aurora the host passes a
   * reference per slot and it is resolved here for `org`; standalone (no reference) the
   * result is `undefined` and the tool uses the platform's default credential chain.
   */
  credential(slot: string): Promise<SecretValue | undefined>;
  /** Where to keep outputs too large for a result, when the server was given a store. */
  readonly objects?: ObjectStore;
  /** Asks the client's user a question; present only when the client supports form elicitation. */
  readonly elicit?: (params: Omit<ElicitRequestFormParams, 'mode'>) => Promise<ElicitResult>;
}
