/** The public surface of `@aurora-ops/plugin-aws`. Named exports only. */
export { createAwsPlugin } from './plugin.js';
export { VERSION } from './version.js';
export type { AwsClientConfig, AwsPluginOptions } from './aws-options.js';
export {
  AWS_CREDENTIAL_SLOT,
  awsCredentialSlot,
  awsCredentialsFromSecret,
  awsSecretSchema,
  createRoleCache,
  resolveAwsCredentials,
} from './credentials.js';
export type {
  AssumeRoleSettings,
  AwsCredentialsSource,
  AwsKeyPair,
  ResolvedAwsCredentials,
  RoleCache,
} from './credentials.js';
export { discoverAws } from './discovery.js';
export type { DiscoverAwsOptions, DiscoveryPage } from './discovery.js';
export { AwsQuotaExceededError, awsErrorCode, mapAwsError } from './errors.js';
