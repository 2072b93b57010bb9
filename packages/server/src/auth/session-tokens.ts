import { hkdfSync } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/** Session JWTs (HS256), signed with a key derived from the master key, so replicas sharing it agree. */
export interface SessionTokens {
  sign(subject: { org: string; userId: string }): Promise<{ token: string; expiresAt: string }>;
  /** The subject of a valid, unexpired token, or `undefined`. */
  verify(token: string): Promise<{ org: string; userId: string } | undefined>;
}

const ISSUER = 'aurora';
const AUDIENCE = 'aurora-api';

export function createSessionTokens(masterKey: string, options: { ttlSeconds?: number } = {}): SessionTokens {
  const key = new Uint8Array(hkdfSync('sha256', masterKey, 'aurora', 'session-jwt/v1', 32));
  const ttlSeconds = options.ttlSeconds ?? 12 * 3600;
  return {
    async sign(subject) {
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
      const token = await new SignJWT({ org: subject.org })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(subject.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expires)
        .sign(key);
      return { token, expiresAt: new Date(expires * 1000).toISOString() };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string') return undefined;
        return { org: payload.org, userId: payload.sub };
      } catch {
        return undefined;
      }
    },
  };
}
