/**
 * How much a tool can change. `read` runs without asking; `write` and `destructive` pause
 * the run for an operator's approval. A tool that declares nothing is `destructive`.
 */
export type Risk = 'read' | 'write' | 'destructive';

export const RISKS: readonly Risk[] = ['read', 'write', 'destructive'];

/** The subset of MCP `ToolAnnotations` that decides risk. */
export interface RiskAnnotations {
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
}

/**
 * Risk from MCP annotations. MCP's defaults are `readOnlyHint: false` and
 * `destructiveHint: true`, so a tool without annotations, or one that only says it is not
 * read-only, is destructive; only an explicit `destructiveHint: false` makes it `write`.
 */
export function riskFromAnnotations(annotations: RiskAnnotations | undefined): Risk {
  if (annotations?.readOnlyHint === true) return 'read';
  if (annotations?.destructiveHint === false) return 'write';
  return 'destructive';
}

/** MCP annotations that express `risk` (the inverse of `riskFromAnnotations`). */
export function annotationsForRisk(risk: Risk): Required<RiskAnnotations> {
  return { readOnlyHint: risk === 'read', destructiveHint: risk === 'destructive' };
}

/** The higher of two risks. */
export function maxRisk(a: Risk, b: Risk): Risk {
  return RISKS.indexOf(a) >= RISKS.indexOf(b) ? a : b;
}
