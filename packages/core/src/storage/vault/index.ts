/** `@aurora-ops/core/storage/vault`: HashiCorp Vault KV v2 as a SecretStore (driver: `node-vault`). */
export { createVaultSecretStore } from './vault-secret-store.js';
export type { VaultAuth, VaultSecretStoreOptions } from './vault-secret-store.js';
