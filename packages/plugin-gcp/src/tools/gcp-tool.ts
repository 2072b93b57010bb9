import type { ToolContext } from '@aurora-ops/core/plugin-sdk';
import { callFor, DEFAULT_OUTPUT_BUDGET, type GcpCall, type GcpPluginOptions } from '../gcp-options.js';
import type { GcpAuth } from '../credentials.js';

/** What every tool module gets: the output budget and a way to resolve a call. */
export interface ToolKit {
  readonly budget: number;
  /** Auth, project and client options of one call (`project` required unless `required` is false). */
  call(context: ToolContext, project: string | undefined, required?: boolean): Promise<GcpCall>;
}

export function toolKit(options: GcpPluginOptions, fallback: GcpAuth): ToolKit {
  return {
    budget: options.outputBudget ?? DEFAULT_OUTPUT_BUDGET,
    call: (context, project, required = true) => callFor(options, context, fallback, project, required),
  };
}

/** Labels as a plain record; the generated clients type them as `{[k]: string} | null`. */
export function labelRecord(labels: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  return { ...(labels ?? {}) };
}

/** Per-call method options: cancellation and the retry settings. */
export function methodOptions(call: GcpCall, post = false) {
  return { signal: call.signal, ...(post ? { retryConfig: call.retryConfig } : {}) };
}
