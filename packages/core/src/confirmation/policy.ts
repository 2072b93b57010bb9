import { InvalidInputError } from '../errors/errors.js';
import { canonicalJson } from './canonical-json.js';
import type { PolicyRule, PolicyVerdict } from './confirmation.js';
import { RISKS, type Risk } from './risk.js';
import { unsafePatternReason } from './safe-pattern.js';

/** Longest argument text a `when` regex is run on; a longer value fails closed (see below). */
export const POLICY_MAX_INPUT_LENGTH = 4_096;
/** Longest regex source and tool glob accepted in a rule. */
export const POLICY_MAX_PATTERN_LENGTH = 1_000;
/** Most rules accepted per org. */
export const POLICY_MAX_RULES = 1_000;

const ACTIONS = ['allow', 'deny', 'confirm'] as const;

interface CompiledRule {
  readonly index: number;
  readonly rule: PolicyRule;
  readonly tool: string;
  readonly when: readonly (readonly [string, RegExp])[];
}

const invalidRule = (index: number, message: string, extra: Record<string, string> = {}): InvalidInputError =>
  new InvalidInputError({ message: `Policy rule ${index}: ${message}`, details: { rule: index, ...extra } });

/**
 * Whether `name` matches `glob`: `*` matches any run of characters, `?` exactly one, everything
 * else is literal, case-sensitive, whole name. Backtracks only to the last `*`: at most
 * O(glob × name) steps, so no glob can be made slow.
 */
export function matchGlob(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
      g += 1;
      n += 1;
    } else if (g < glob.length && glob[g] === '*') {
      star = g;
      resume = n;
      g += 1;
    } else if (star !== -1) {
      g = star + 1;
      resume += 1;
      n = resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g += 1;
  return g === glob.length;
}

function compileRule(rule: PolicyRule, index: number): CompiledRule {
  if (typeof rule !== 'object' || rule === null) throw invalidRule(index, 'must be an object.');
  const { tool, when, risk, action } = rule;
  if (typeof tool !== 'string' || tool === '' || tool.length > POLICY_MAX_PATTERN_LENGTH) {
    throw invalidRule(index, `\`tool\` must be a glob of 1–${POLICY_MAX_PATTERN_LENGTH} characters.`);
  }
  if (risk !== undefined && !RISKS.includes(risk))
    throw invalidRule(index, '`risk` must be read, write or destructive.');
  if (action !== undefined && !ACTIONS.includes(action))
    throw invalidRule(index, '`action` must be allow, deny or confirm.');
  const compiled: (readonly [string, RegExp])[] = [];
  if (when !== undefined) {
    if (typeof when !== 'object' || when === null || Array.isArray(when)) {
      throw invalidRule(index, '`when` must map argument names to regular expressions.');
    }
    for (const [argument, source] of Object.entries(when)) {
      if (typeof source !== 'string' || source.length > POLICY_MAX_PATTERN_LENGTH) {
        throw invalidRule(
          index,
          `\`when.${argument}\` must be a regular expression of at most ${POLICY_MAX_PATTERN_LENGTH} characters.`,
          { argument },
        );
      }
      const unsafe = unsafePatternReason(source);
      if (unsafe !== undefined) {
        throw invalidRule(index, `\`when.${argument}\` is refused: ${unsafe} (catastrophic backtracking risk).`, {
          argument,
        });
      }
      try {
        compiled.push([argument, new RegExp(source)]);
      } catch (error) {
        throw new InvalidInputError({
          message: `Policy rule ${index}: \`when.${argument}\` is not a valid regular expression.`,
          cause: error,
          details: { rule: index, argument },
        });
      }
    }
  }
  return { index, rule, tool, when: compiled };
}

/** Validates and compiles rules; a bad rule is an `InvalidInputError` naming its index. */
export function compilePolicy(rules: readonly PolicyRule[]): readonly CompiledRule[] {
  if (!Array.isArray(rules)) throw new InvalidInputError({ message: 'A policy must be an array of rules.' });
  if (rules.length > POLICY_MAX_RULES) {
    throw new InvalidInputError({
      message: `A policy holds at most ${POLICY_MAX_RULES} rules.`,
      details: { limit: POLICY_MAX_RULES },
    });
  }
  return (rules as readonly PolicyRule[]).map((rule, index) => compileRule(rule, index));
}

const rank = (risk: Risk): number => RISKS.indexOf(risk);

/**
 * Does the rule restrict (deny, confirm, or raise the risk)? A rule whose `when` cannot be
 * tested safely (an argument over the length cap) is applied only if it restricts: a padded
 * argument can never slip past a deny rule or into an allow rule.
 */
function restricts(rule: PolicyRule, declared: Risk): boolean {
  if (rule.action === 'deny' || rule.action === 'confirm') return true;
  if (rule.action === 'allow') return false;
  return rule.risk !== undefined && rank(rule.risk) >= rank(declared);
}

function matches(
  compiled: CompiledRule,
  tool: string,
  declared: Risk,
  args: Readonly<Record<string, unknown>>,
): boolean {
  if (!matchGlob(compiled.tool, tool)) return false;
  let untestable = false;
  for (const [argument, pattern] of compiled.when) {
    if (!Object.hasOwn(args, argument) || args[argument] === undefined) return false;
    const text = canonicalJson(args[argument]);
    if (text.length > POLICY_MAX_INPUT_LENGTH) untestable = true;
    else if (!pattern.test(text)) return false;
  }
  return untestable ? restricts(compiled.rule, declared) : true;
}

/**
 * The verdict for a call of `tool` (declared `risk`) with `args` under `rules`. Rules are read
 * in order: the first matching rule with a `risk` sets the risk (raise or lower), the first
 * matching rule with an `action` sets the action. `deny` → deny, `allow` → run, `confirm` →
 * confirm; with no action, `read` runs and `write`/`destructive` ask.
 */
export function evaluatePolicy(
  rules: readonly PolicyRule[],
  tool: string,
  risk: Risk,
  args: Readonly<Record<string, unknown>>,
): PolicyVerdict {
  const compiled = compilePolicy(rules);
  let riskRule: number | undefined;
  let finalRisk = risk;
  let actionRule: CompiledRule | undefined;
  for (const entry of compiled) {
    if (riskRule !== undefined && actionRule !== undefined) break;
    if (!matches(entry, tool, risk, args)) continue;
    if (riskRule === undefined && entry.rule.risk !== undefined) {
      riskRule = entry.index;
      finalRisk = entry.rule.risk;
    }
    if (actionRule === undefined && entry.rule.action !== undefined) actionRule = entry;
  }
  const action = actionRule?.rule.action;
  const verdict =
    action === 'deny' ? 'deny' : action === 'allow' ? 'run' : action === 'confirm' ? 'confirm' : undefined;
  const decidedBy = actionRule?.index ?? riskRule;
  return {
    risk: finalRisk,
    action: verdict ?? (finalRisk === 'read' ? 'run' : 'confirm'),
    ...(decidedBy === undefined ? {} : { rule: decidedBy }),
    reason: decidedBy === undefined ? 'risk' : 'policy',
  };
}
