/**
 * The agent's environment-dependent defaults (the only agent module that reads `process.env`).
 */

/** Validate every run event against the schema unless `NODE_ENV` is `production`. */
export function validateRunEventsByDefault(): boolean {
  return process.env.NODE_ENV !== 'production';
}
