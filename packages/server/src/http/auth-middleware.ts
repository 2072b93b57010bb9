import { ForbiddenError } from '@aurora-ops/core';
import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { hasRole, type Principal, type Role } from '../auth/auth-store.js';
import type { Runtime } from '../runtime.js';
import { UnauthenticatedError } from './http-errors.js';

export interface AppEnv {
  Variables: { principal: Principal; clientIp: string };
}

/** The caller's address: the socket's, or the first X-Forwarded-For hop when the server trusts its proxy. */
export function clientIp(runtime: Runtime): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let ip = 'unknown';
    if (runtime.config.trustProxy) ip = c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? ip;
    if (ip === 'unknown') {
      try {
        ip = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        // app.request() in tests has no socket.
      }
    }
    c.set('clientIp', ip);
    await next();
  };
}

/** Resolves `Authorization: Bearer <session JWT | API key>` to a principal, or answers 401. */
export function authenticate(runtime: Runtime): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthenticatedError();
    const credential = match[1];
    let principal: Principal | undefined;
    if (credential.startsWith('aurk_')) {
      principal = await runtime.auth.verifyApiKey(credential);
    } else {
      const subject = await runtime.sessions.verify(credential);
      principal = subject ? await runtime.auth.principalFor(subject.org, subject.userId) : undefined;
    }
    if (!principal) throw new UnauthenticatedError('The session or API key is invalid, expired or revoked.');
    c.set('principal', principal);
    await next();
  };
}

/** Answers 403 unless the principal has at least `role`. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal.role, role)) {
      throw new ForbiddenError({
        message: `This needs the ${role} role; you are ${principal.role}.`,
        details: { role },
      });
    }
    await next();
  };
}

/** `requireRole` for some methods only (e.g. anyone reads, admins write). */
export function requireRoleFor(methods: readonly string[], role: Role): MiddlewareHandler<AppEnv> {
  const guard = requireRole(role);
  return (c, next) => (methods.includes(c.req.method) ? guard(c, next) : next());
}
