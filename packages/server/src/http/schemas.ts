import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/auth-store.js';

/** Request and response bodies of the REST API (also the OpenAPI document's components). */

export const role = z.enum(ROLES).openapi('Role');

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_INPUT' }),
      message: z.string(),
      retryable: z.boolean(),
      details: z.record(z.string(), z.unknown()).optional(),
      docs: z.string().optional(),
    }),
  })
  .openapi('Error');

export const userSchema = z
  .object({
    id: z.string(),
    org: z.string(),
    email: z.string(),
    role,
    createdAt: z.string(),
    disabled: z.boolean(),
  })
  .openapi('User');

export const loginBody = z
  .object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) })
  .openapi('Login');
export const oneTimeLoginBody = z.object({ token: z.string().min(10).max(200) }).openapi('OneTimeLogin');
export const sessionTokenSchema = z
  .object({ token: z.string(), expiresAt: z.string(), user: userSchema })
  .openapi('SessionToken');
export const principalSchema = z
  .object({ userId: z.string(), org: z.string(), role, email: z.string(), via: z.enum(['session', 'api-key']) })
  .openapi('Principal');
export const wsTokenSchema = z
  .object({ token: z.string(), expiresInSeconds: z.number(), url: z.string() })
  .openapi('WebSocketToken');

export const chatBody = z
  .object({ sessionId: z.string().min(1).max(200).optional(), text: z.string().min(1).max(100_000) })
  .openapi('ChatMessage');
export const runRefSchema = z.object({ runId: z.string(), sessionId: z.string() }).openapi('RunRef');
export const runSchema = z.object({ runId: z.string(), sessionId: z.string(), status: z.string() }).openapi('Run');
export const sessionSchema = z
  .object({ id: z.string(), createdAt: z.string(), lastRunAt: z.string().nullable(), runs: z.number() })
  .openapi('ChatSession');
export const historySchema = z
  .object({
    messages: z.array(
      z.object({
        role: z.enum(['user', 'assistant', 'tool', 'system']),
        text: z.string(),
        toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.unknown() })).optional(),
        toolCallId: z.string().optional(),
      }),
    ),
  })
  .openapi('History');
export const eventsSchema = z.object({ events: z.array(z.record(z.string(), z.unknown())) }).openapi('RunEvents');

export const decisionBody = z
  .object({ decision: z.enum(['approve', 'reject']), reason: z.string().max(2000).optional() })
  .openapi('Decision');
export const confirmationSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    tool: z.string(),
    risk: z.string(),
    summary: z.string(),
    state: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Confirmation');

export const pluginSchema = z
  .object({
    name: z.string(),
    state: z.string(),
    transport: z.string(),
    enabled: z.boolean(),
    toolCount: z.number(),
    crashes: z.number(),
    restarts: z.number(),
    dependsOn: z.array(z.string()),
    lastError: z.record(z.string(), z.unknown()).optional(),
    stderrTail: z.array(z.string()).optional(),
    lastPingMs: z.number().optional(),
    pid: z.number().optional(),
  })
  .openapi('Plugin');

export const policyRule = z
  .object({
    tool: z.string().min(1).max(200),
    when: z.record(z.string(), z.string().max(500)).optional(),
    risk: z.enum(['read', 'write', 'destructive']).optional(),
    action: z.enum(['allow', 'deny', 'confirm']).optional(),
  })
  .openapi('PolicyRule');
export const policyBody = z.object({ rules: z.array(policyRule).max(500) }).openapi('Policy');

export const connectorKind = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lowercase kind such as aws, gcp, azure');
export const connectorBody = z
  .object({
    name: z.string().min(1).max(200),
    /** Field → value; stored in the SecretStore, never returned. */
    credentials: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/), z.string().max(16_384)),
  })
  .openapi('ConnectorInput');
export const connectorSchema = z
  .object({ id: z.string(), kind: z.string(), name: z.string(), reference: z.string(), createdAt: z.string() })
  .openapi('Connector');

export const usageQuery = z.object({
  by: z.enum(['org', 'session', 'user', 'model']).default('model'),
  since: z.string().datetime({ offset: true }).optional(),
});
export const usageSchema = z
  .object({
    rows: z.array(
      z.object({
        key: z.string().nullable(),
        calls: z.number(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        costUsd: z.number(),
        unpricedCalls: z.number(),
      }),
    ),
  })
  .openapi('Usage');

export const createUserBody = z
  .object({ email: z.string().email().max(320), role, password: z.string().min(12).max(1024).optional() })
  .openapi('NewUser');
export const updateUserBody = z
  .object({
    role: role.optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(12).max(1024).optional(),
  })
  .openapi('UserChange');
export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    role,
    createdAt: z.string(),
    lastUsedAt: z.string().optional(),
  })
  .openapi('ApiKey');
export const createApiKeyBody = z
  .object({ name: z.string().min(1).max(200), role: role.optional() })
  .openapi('NewApiKey');

export const idParam = z.object({ id: z.string().min(1).max(200) });
export const nameParam = z.object({ name: z.string().min(1).max(64) });
export const kindParam = z.object({ kind: connectorKind });
export type RoleValue = z.infer<typeof role>;
