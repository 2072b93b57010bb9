/** The public surface of `@aurora-ops/plugin-gcp`. Named exports only. */
export { applicationDefaultAuth, createGcpPlugin } from './plugin.js';
export { VERSION } from './version.js';
export type { GcpCall, GcpClientOptions, GcpPluginOptions, GcpService } from './gcp-options.js';
export {
  GCP_CREDENTIAL_SLOT,
  GCP_SCOPES,
  authClientForKey,
  createAuthCache,
  gcpCredentialSlot,
  gcpSecretSchema,
  resolveGcpAuth,
  serviceAccountKeyFromSecret,
} from './credentials.js';
export type { AuthCache, AuthSettings, GcpAuth, ResolvedGcpAuth, ServiceAccountKey } from './credentials.js';
export { discoverGcp } from './discovery.js';
export type { DiscoverGcpOptions, DiscoveryPage } from './discovery.js';
export { GcpQuotaExceededError, gcpErrorInfo, mapGcpError } from './errors.js';
export type { GcpErrorInfo } from './errors.js';
