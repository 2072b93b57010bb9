/** The one place the local secret store reads the environment. */

/** The name of the variable that holds the local secret store's key. */
export const SECRET_KEY_VARIABLE = 'AURORA_SECRET_KEY';

/** `AURORA_SECRET_KEY` when set and not empty. */
export function secretKeyFromEnvironment(): string | undefined {
  const value = process.env[SECRET_KEY_VARIABLE];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
