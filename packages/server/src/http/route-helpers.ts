import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import * as s from './schemas.js';

/** Shared pieces of the REST route definitions. */
export const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
export const errors = {
  400: { description: 'Invalid input', ...json(s.errorSchema) },
  401: { description: 'Not signed in', ...json(s.errorSchema) },
  403: { description: 'Not allowed', ...json(s.errorSchema) },
  404: { description: 'Not found (or not in your org)', ...json(s.errorSchema) },
  429: { description: 'Rate limited', ...json(s.errorSchema) },
} as const;
export const ok = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  200: { description, ...json(schema) },
  ...errors,
});
const secured = [{ bearer: [] as string[] }];

export function route<const R extends Omit<RouteConfig, 'security'>>(config: R) {
  return createRoute({ ...config, security: secured });
}

export const publicUser = (user: {
  id: string;
  org: string;
  email: string;
  role: s.RoleValue;
  createdAt: string;
  disabled: boolean;
}) => ({
  id: user.id,
  org: user.org,
  email: user.email,
  role: user.role,
  createdAt: user.createdAt,
  disabled: user.disabled,
});
