import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import type { PolicyRule, PolicyVerdict } from './confirmation.js';
import { evaluatePolicy, matchGlob, POLICY_MAX_INPUT_LENGTH } from './policy.js';
import type { Risk } from './risk.js';

describe('matchGlob', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'aws__ec2_stop', true],
    ['aws__ec2_*', 'aws__ec2_stop', true],
    ['aws__ec2_*', 'aws__s3_put', false],
    ['*__delete_*', 'gcp__delete_bucket', true],
    ['*__delete_*', 'gcp__list_buckets', false],
    ['aws__s3_???', 'aws__s3_put', true],
    ['aws__s3_???', 'aws__s3_puts', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['a+(b)', 'a+(b)', true],
    ['AWS__*', 'aws__x', false],
    ['*', '', true],
    ['', 'x', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*a', 'ba', true],
    ['a**', 'a', true],
  ];
  for (const [glob, tool, expected] of cases) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${tool}`, () => {
      expect(matchGlob(glob, tool)).toBe(expected);
    });
  }
});

describe('evaluatePolicy without rules', () => {
  const defaults: [Risk, PolicyVerdict['action']][] = [
    ['read', 'run'],
    ['write', 'confirm'],
    ['destructive', 'confirm'],
  ];
  for (const [risk, action] of defaults) {
    it(`${risk} → ${action}`, () => {
      expect(evaluatePolicy([], 'aws__x', risk, {})).toEqual({ risk, action, reason: 'risk' });
    });
  }
});

describe('evaluatePolicy matrix', () => {
  const rules: PolicyRule[] = [
    /* 0 */ { tool: 'aws__ec2_terminate_*', when: { region: '^"us-' }, action: 'deny' },
    /* 1 */ { tool: 'aws__ec2_describe_*', risk: 'write' },
    /* 2 */ { tool: 'aws__ec2_*', when: { dryRun: '^true$' }, action: 'allow' },
    /* 3 */ { tool: 'aws__s3_get_*', risk: 'destructive' },
    /* 4 */ { tool: 'aws__s3_*', when: { bucket: 'public' }, risk: 'read' },
    /* 5 */ { tool: 'k8s__scale', when: { replicas: '^[0-9]$', namespace: '"staging"' }, action: 'allow' },
    /* 6 */ { tool: 'k8s__*', when: { namespace: 'kube-system' }, action: 'confirm' },
    /* 7 */ { tool: 'k8s__get_*', action: 'confirm' },
  ];
  const cases: [string, string, Risk, Record<string, unknown>, PolicyVerdict][] = [
    [
      'deny on a matching argument',
      'aws__ec2_terminate_instances',
      'destructive',
      { region: 'us-east-1' },
      { risk: 'destructive', action: 'deny', rule: 0, reason: 'policy' },
    ],
    [
      'deny does not apply when the argument does not match',
      'aws__ec2_terminate_instances',
      'destructive',
      { region: 'eu-west-1' },
      { risk: 'destructive', action: 'confirm', reason: 'risk' },
    ],
    [
      'a missing argument does not match',
      'aws__ec2_terminate_instances',
      'destructive',
      {},
      { risk: 'destructive', action: 'confirm', reason: 'risk' },
    ],
    [
      'raise read to write → confirm',
      'aws__ec2_describe_instances',
      'read',
      {},
      { risk: 'write', action: 'confirm', rule: 1, reason: 'policy' },
    ],
    [
      'risk from an earlier rule, action from a later one',
      'aws__ec2_describe_instances',
      'read',
      { dryRun: true },
      { risk: 'write', action: 'run', rule: 2, reason: 'policy' },
    ],
    [
      'allow on a boolean argument (JSON text "true")',
      'aws__ec2_stop_instances',
      'destructive',
      { dryRun: true },
      { risk: 'destructive', action: 'run', rule: 2, reason: 'policy' },
    ],
    [
      'the string "true" is JSON text "\\"true\\"" and does not match ^true$',
      'aws__ec2_stop_instances',
      'destructive',
      { dryRun: 'true' },
      { risk: 'destructive', action: 'confirm', reason: 'risk' },
    ],
    [
      'first risk rule wins over a later one',
      'aws__s3_get_object',
      'read',
      { bucket: 'public-assets' },
      { risk: 'destructive', action: 'confirm', rule: 3, reason: 'policy' },
    ],
    [
      'lower write to read → run',
      'aws__s3_put_object',
      'write',
      { bucket: 'public-assets' },
      { risk: 'read', action: 'run', rule: 4, reason: 'policy' },
    ],
    [
      'all `when` entries must match',
      'k8s__scale',
      'write',
      { replicas: 3, namespace: 'staging' },
      { risk: 'write', action: 'run', rule: 5, reason: 'policy' },
    ],
    [
      'one `when` entry failing skips the rule',
      'k8s__scale',
      'write',
      { replicas: 30, namespace: 'staging' },
      { risk: 'write', action: 'confirm', reason: 'risk' },
    ],
    [
      'confirm on a read tool',
      'k8s__get_pods',
      'read',
      { namespace: 'default' },
      { risk: 'read', action: 'confirm', rule: 7, reason: 'policy' },
    ],
    [
      'nested values are matched as canonical JSON',
      'k8s__apply',
      'write',
      { namespace: { name: 'kube-system' } },
      { risk: 'write', action: 'confirm', rule: 6, reason: 'policy' },
    ],
    ['no rule for the tool', 'gcp__list_buckets', 'read', {}, { risk: 'read', action: 'run', reason: 'risk' }],
  ];
  for (const [name, tool, risk, args, verdict] of cases) {
    it(name, () => {
      expect(evaluatePolicy(rules, tool, risk, args)).toEqual(verdict);
    });
  }
});

describe('evaluatePolicy safety', () => {
  const huge = 'a'.repeat(POLICY_MAX_INPUT_LENGTH + 1);

  it('applies a deny rule to an argument too long to test (fails closed)', () => {
    const rules: PolicyRule[] = [{ tool: '*', when: { path: '^"/etc' }, action: 'deny' }];
    expect(evaluatePolicy(rules, 'fs__write', 'write', { path: huge }).action).toBe('deny');
  });

  it('does not apply an allow rule or a lowering risk rule to an argument too long to test', () => {
    const allow: PolicyRule[] = [{ tool: '*', when: { path: 'a' }, action: 'allow' }];
    expect(evaluatePolicy(allow, 'fs__write', 'write', { path: huge }).action).toBe('confirm');
    const lower: PolicyRule[] = [{ tool: '*', when: { path: 'a' }, risk: 'read' }];
    expect(evaluatePolicy(lower, 'fs__write', 'write', { path: huge })).toEqual({
      risk: 'write',
      action: 'confirm',
      reason: 'risk',
    });
  });

  it('names the rule index of an invalid regex', () => {
    const rules: PolicyRule[] = [{ tool: '*' }, { tool: 'x', when: { a: '(' } }];
    let caught: unknown;
    try {
      evaluatePolicy(rules, 'x', 'write', { a: 1 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidInputError.isInstance(caught)).toBe(true);
    expect((caught as InvalidInputError).details).toMatchObject({ rule: 1, argument: 'a' });
    expect((caught as InvalidInputError).message).toContain('rule 1');
  });

  it('refuses nested quantifiers (catastrophic backtracking)', () => {
    for (const source of ['(a+)+$', '(a*)*b', '(x|y+){2,}', '(a|aa)*b', '.*a.*b.*c', '(a)\\1']) {
      expect(() => evaluatePolicy([{ tool: '*', when: { a: source } }], 'x', 'write', { a: 'a' })).toThrow(/rule 0/);
    }
  });

  it('validates the rule shape', () => {
    const bad = [
      { tool: '' },
      { tool: '*', risk: 'maybe' },
      { tool: '*', action: 'run' },
      { tool: '*', when: ['a'] },
      { tool: '*', when: { a: 1 } },
      null,
    ] as unknown as PolicyRule[];
    for (const rule of bad) {
      expect(() => evaluatePolicy([rule], 'x', 'write', {})).toThrow(InvalidInputError);
      expect(() => evaluatePolicy([{ tool: '*' }, rule], 'x', 'write', {})).toThrow(/rule 1/);
    }
  });
});
