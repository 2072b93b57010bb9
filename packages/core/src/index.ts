/**
 * The public surface of `@aurora-ops/core`. Named exports only; anything not exported
 * here (or from a documented subpath) is private. Drivers are never imported from this
 * entry: production adapters live at `@aurora-ops/core/storage/<backend>`.
 */
export {
  AuroraError,
  CancelledError,
  ConfigurationError,
  ConnectionLostError,
  DataCorruptedError,
  ERROR_CODES,
  ForbiddenError,
  InvalidInputError,
  InvalidSecretReferenceError,
  MigrationError,
  NotFoundError,
  PayloadTooLargeError,
  TimeoutError,
  UniqueViolationError,
  UnsupportedError,
  UpstreamError,
  docsUrlFor,
  errorCodes,
  httpStatusFor,
  isErrorCode,
} from './errors/index.js';
export type {
  AuroraErrorOptions,
  ErrorCode,
  ErrorDetails,
  ErrorStreamEvent,
  McpErrorResult,
  SerializedAuroraError,
} from './errors/index.js';
export type {
  SecretMetadata,
  SecretOperationOptions,
  SecretStore,
  SecretStoreCapabilities,
  SecretValue,
} from './secrets/secret-store.js';
export type {
  Database,
  DatabaseCapabilities,
  IsolationLevel,
  MigrateOptions,
  Migration,
  MigrationReport,
  QueryOptions,
  QueryResult,
  Queryable,
  Row,
  Transaction,
  TransactionOptions,
} from './storage/database/database.js';
export type {
  GetObjectOptions,
  ListObjectsOptions,
  ObjectBody,
  ObjectMetadata,
  ObjectPage,
  ObjectStore,
  ObjectStoreCapabilities,
  PutObjectOptions,
} from './storage/objects/object-store.js';
export { createLogger, createRedactingLogger, noopLogger } from './logging/logger.js';
export type { LogFields, LogLevel, LogRecord, Logger, Redacting } from './logging/logger.js';
export {
  ORG_PLACEHOLDER,
  assertOrgId,
  assertSecretPath,
  bindOrg,
  formatSecretReference,
  isSecretReference,
  parseSecretReference,
  secretPathProblem,
} from './secrets/secret-reference.js';
export type { SecretReference } from './secrets/secret-reference.js';
export { REDACTED, createSecretRedactor } from './secrets/redactor.js';
export type { SecretRedactor, SecretRedactorOptions } from './secrets/redactor.js';
export { createSecretResolver } from './secrets/resolver.js';
export type {
  ResolveOptions,
  SchemeRegistration,
  SecretResolver,
  SecretResolverOptions,
  SecretScope,
} from './secrets/resolver.js';
export { createLocalSecretStore } from './secrets/local-secret-store.js';
export type { LocalSecretStoreOptions } from './secrets/local-secret-store.js';
export { createEnvSecretStore } from './secrets/env-secret-store.js';
export type { EnvSecretStoreOptions } from './secrets/env-secret-store.js';
export type {
  Backoff,
  CloseOptions,
  EnqueueOptions,
  EnqueueResult,
  JobContext,
  JobEvent,
  JobHandler,
  JobInfo,
  JobQueue,
  JobQueueCapabilities,
  JobStatus,
  PayloadSchema,
  QueueDefinition,
  Schedule,
} from './storage/queue/job-queue.js';
export { QUEUE_MIGRATIONS, createDatabaseJobQueue } from './storage/queue/database-job-queue.js';
export type { DatabaseJobQueueOptions } from './storage/queue/database-job-queue.js';
export { createFilesystemObjectStore } from './storage/objects/filesystem-object-store.js';
export type { FilesystemObjectStoreOptions } from './storage/objects/filesystem-object-store.js';
export {
  objectKeyProblem,
  validateObjectKey,
  validateObjectMetadata,
  validateObjectPrefix,
} from './storage/objects/object-keys.js';
export type {
  Cache,
  CacheSetOptions,
  RateLimitDecision,
  RateLimitOptions,
  RateLimiter,
} from './storage/cache/cache.js';
export { createMemoryCache, createMemoryRateLimiter } from './storage/cache/memory-cache.js';
export type { MemoryCacheOptions } from './storage/cache/memory-cache.js';
export type {
  BlastRadiusEntry,
  EdgeInput,
  GraphEdge,
  GraphNode,
  GraphPath,
  GraphStore,
  GraphStoreCapabilities,
  Neighbour,
  NeighbourOptions,
  NodeInput,
  Properties,
  PropertyValue,
} from './storage/graph/graph-store.js';
export { GRAPH_MIGRATIONS, createTablesGraphStore } from './storage/graph/tables-graph-store.js';
export type { TablesGraphStoreOptions } from './storage/graph/tables-graph-store.js';
export type {
  ChunkMetadata,
  CollectionSpec,
  DeleteChunksOptions,
  HybridQuery,
  MetadataFilter,
  MetadataValue,
  SearchOptions,
  VectorChunk,
  VectorMatch,
  VectorStore,
  VectorStoreCapabilities,
} from './storage/vector/vector-store.js';
export { VECTOR_MIGRATIONS, createPgvectorStore } from './storage/vector/pgvector-vector-store.js';
export type { PgvectorStoreOptions } from './storage/vector/pgvector-vector-store.js';
export type { PgvectorBulkLoadOptions } from './storage/vector/pgvector-bulk-load.js';
export { RISKS, annotationsForRisk, maxRisk, riskFromAnnotations } from './confirmation/risk.js';
export type { Risk, RiskAnnotations } from './confirmation/risk.js';
export type {
  AuditEntry,
  AuditSink,
  AuthorizeDecision,
  ConfirmationService,
  ConfirmationState,
  DecideInput,
  Decision,
  PendingCall,
  PendingConfirmation,
  PolicyRule,
  PolicyVerdict,
  Principal,
} from './confirmation/confirmation.js';
export {
  RUN_EVENT_TYPES,
  runEventSchema,
  runStatusSchema,
  serializedErrorSchema,
  usageSchema,
} from './events/run-event.js';
export type { RunEvent, RunEventBody, RunEventOf, RunEventType, RunStatus, Usage } from './events/run-event.js';
export {
  CLIENT_MESSAGE_TYPES,
  MAX_CLIENT_MESSAGE_CHARS,
  clientMessageSchema,
  parseClientMessage,
} from './events/client-message.js';
export type { ClientMessage, ClientMessageType, ParsedClientMessage } from './events/client-message.js';
export { createConfirmationService, defaultAuthorize } from './confirmation/confirmation-service.js';
export type { ConfirmationServiceOptions } from './confirmation/confirmation-service.js';
export { CONFIRMATION_MIGRATIONS } from './confirmation/confirmation-rows.js';
export { AUDIT_MIGRATIONS, createDatabaseAuditSink, createMemoryAuditSink } from './confirmation/audit-sink.js';
export type {
  AuditListOptions,
  DatabaseAuditSinkOptions,
  ReadableAuditSink,
  StoredAuditEntry,
} from './confirmation/audit-sink.js';
export { ConfirmationConflictError, ConfirmationExpiredError } from './confirmation/confirmation-errors.js';
export { canonicalJson } from './confirmation/canonical-json.js';
export { evaluatePolicy, matchGlob } from './confirmation/policy.js';
export { RunEventStream, createRunEventStream } from './events/run-event-stream.js';
export type { RunEventSink, RunEventStreamOptions } from './events/run-event-stream.js';
