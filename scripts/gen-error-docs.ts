// Regenerates docs/errors.md from the code table: `pnpm tsx scripts/gen-error-docs.ts > docs/errors.md`.
import { errorCodes } from '../packages/core/src/errors/codes.ts';
const hints: Record<string, string> = {
  INVALID_INPUT: 'Fix the request: `details` names the field or rule. Not retryable as is.',
  INVALID_SECRET_REFERENCE:
    'References look like `scheme:path[#field]` (`vault:kv/aurora/orgs/{org}/aws#secret_access_key`). The message names the broken rule and never repeats the text you passed, in case it was a secret value.',
  UNAUTHENTICATED: 'Log in again or send a valid API key.',
  FORBIDDEN:
    'The user lacks the role, or the credentials Aurora used against a backend (Vault policy, S3 bucket policy, cloud IAM) lack permission.',
  NOT_FOUND: 'The thing does not exist, or it belongs to another org (Aurora does not tell the two apart, on purpose).',
  CONFLICT:
    'A unique key already exists (`details.constraint`), or a concurrent transaction won; when `retryable` is true, retrying is safe.',
  EXPIRED: 'Ask for a new token, approval or link.',
  PAYLOAD_TOO_LARGE: 'The payload exceeds the configured limit (`details.limit`, bytes). Nothing was written.',
  RATE_LIMITED: 'Wait for `details.retryAfterMs` and retry.',
  BUDGET_EXCEEDED: 'The run hit a step, token, time or cost budget; raise the budget or narrow the question.',
  CANCELLED: 'Someone cancelled the operation; nothing more will happen.',
  CONFIRMATION_REQUIRED: "The tool is not read-only and needs an operator's approval.",
  CONFIRMATION_REJECTED: 'The approval was refused or did not match the pending call exactly.',
  DATA_CORRUPTED:
    'Stored data failed its integrity check: the secret file was modified, truncated, moved between paths, or read with a different `AURORA_SECRET_KEY`. Restore it from backup or re-enter the secret.',
  CONFIGURATION_ERROR: 'A setting is missing or invalid; `details.setting` names it.',
  MIGRATION_FAILED:
    'A migration failed and was rolled back (`details.version`, `details.sqlstate`); the database is at the previous version.',
  INTERNAL: 'A bug. Please report it with the request id.',
  UNSUPPORTED: 'This adapter cannot do that (for example writing to the read-only environment secret store).',
  UPSTREAM_ERROR: 'A backing service answered with an error (`details.status` or `details.sqlstate`).',
  UNAVAILABLE:
    'A backing service is unreachable or the connection dropped. Safe to retry; check the service and `aurora doctor`.',
  TIMEOUT: 'The operation exceeded its deadline (for example the database statement timeout).',
};
const lines = [
  '# Error codes',
  '',
  'Every error Aurora raises is an `AuroraError` with one of these codes. The same table',
  '(`packages/core/src/errors/codes.ts`) gives its HTTP status, its stream `error` event and its MCP',
  '`isError` result. `retryable` is the default; an error may override it. Messages end with a link',
  'to the anchor below. Identity across bundles: use `AuroraError.isInstance(error)` (or a',
  "subclass's `isInstance`), not `instanceof`.",
  '',
  '| code | HTTP | retryable | meaning |',
  '|---|---|---|---|',
];
for (const [code, entry] of Object.entries(errorCodes))
  lines.push(
    `| [\`${code}\`](#${code.toLowerCase()}) | ${entry.status} | ${entry.retryable ? 'yes' : 'no'} | ${entry.summary} |`,
  );
for (const [code, entry] of Object.entries(errorCodes))
  lines.push('', `## ${code}`, '', `HTTP ${entry.status}. ${entry.summary} ${hints[code] ?? ''}`.trim());
console.log(lines.join('\n'));
