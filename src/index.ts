/**
 * venice-ipc: Venice IPC (Venice 1.12.71) for Node.js. This file lists every public export.
 */
export * from './errors.js';
export { parseSize, formatSize, type SizeValue } from './util/units.js';
export { MessageType, ResponseStatus, type MessageTypeName, type ResponseStatusName } from './protocol/codes.js';
export {
  JSON_MIMETYPE,
  DEFAULT_MESSAGE_TIMEOUT,
  isMessage,
  type Message,
  type MessageFields,
  type MessageFieldName,
  type MessageObject,
} from './message/message.js';
export type { JsonValue } from './message/json.js';
export {
  createMessage,
  plainTextMessage,
  textMessage,
  binaryMessage,
  jsonMessage,
  veniceMessage,
  type ExpiresIn,
  type ExpiryUnit,
  type MessageInit,
  type MessageOptions,
} from './message/factories.js';
export { queueNameProblem, validateQueueName } from './message/validate.js';
export { parseUri, formatEndpoint, type Endpoint, type EndpointOptions } from './transport/endpoint.js';
export { createServer, connectionErrorChannel, type Server } from './server/server.js';
export {
  DEFAULT_CLUSTER_PREFIX,
  DEFAULT_CLUSTER_REPLICAS,
  DEFAULT_CLUSTER_REQUEST_TIMEOUT,
  type ClusterCredentials,
  type ClusterOptions,
} from './cluster/options.js';
export { CLUSTER_STATUS_TOPIC, type ClusterNodeInfo, type ClusterStatus } from './cluster/status.js';
export type { BridgeStats } from './cluster/pubsub-bridge.js';
export type { CreateQueueOptions, QueueKind, QueueStatus, QueueDurability } from './server/queue-registry.js';
export { createQueueStore, MAX_WAIT_MS } from './queue/memory-queue.js';
export type { QueueStore, QueueInit, QueueJournal, QueueType, OfferOutcome, PollOutcome, ExpiredCallback } from './queue/types.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_QUEUES,
  DEFAULT_MAX_AUTH_FAILURES,
  DEFAULT_AUTH_FAILURE_DELAY,
  type Handler,
  type HandlerContext,
  type ServerOptions,
  type ServerSettings,
} from './server/options.js';
export type { ServerStats } from './server/stats.js';
export {
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTP_SAMPLE_INTERVAL,
  DEFAULT_HTTP_HISTORY,
  DEFAULT_HTTP_MAX_EVENT_STREAMS,
  type HttpOptions,
  type HttpServerOptions,
} from './server/http/options.js';
export { METRICS_PREFIX } from './server/http/metrics.js';
export { EXTENDED_STATUS_TOPIC, type ExtendedStatus, type ConnectionInfo, type QueueInfo, type WalLogInfo } from './protocol/extended-status.js';
export {
  connectionOpenChannel,
  connectionCloseChannel,
  connectionRefusedChannel,
  requestStartChannel,
  requestEndChannel,
  authFailureChannel,
  walSyncChannel,
  type TypedChannel,
  type ConnectionOpenEvent,
  type ConnectionCloseEvent,
  type ConnectionRefusedEvent,
  type ConnectionRefusalReason,
  type RequestStartEvent,
  type RequestEndEvent,
  type AuthFailureEvent,
  type WalSyncEvent,
} from './util/diagnostics.js';
export {
  DEFAULT_WAL_COMPRESS,
  DEFAULT_WAL_COMPACT,
  DEFAULT_WAL_COMPACT_THRESHOLD,
  DEFAULT_WAL_SALVAGE,
  type WalServerOptions,
} from './server/wal-options.js';
export type { WalFileSystem, WalFile } from './wal/index.js';
export { connect, type Client, type RequestOptions } from './client/client.js';
export { DEFAULT_REQUEST_TIMEOUT, QUEUE_TIMEOUT_MARGIN, type ClientOptions } from './client/options.js';
// Resilience (docs/resilience.md)
export type { CloseOptions, ConfigureOptions } from './client/client.js';
export { DEFAULT_CLIENT_CLOSE_TIMEOUT } from './client/options.js';
export {
  DEFAULT_RETRY,
  DEFAULT_RETRY_BUDGET,
  type RetryOptions,
  type ClientRetryOptions,
  type RetryBudgetOptions,
  type RetryValue,
  type ClientRetryValue,
  type RetryableFailure,
} from './client/retry.js';
export { DEFAULT_RECONNECT, type ReconnectOptions, type ReconnectValue } from './client/reconnect.js';
export { STATUS_BUFFER, type ClientStatusEvent } from './client/status.js';
export type { ClientStats, OperationStats } from './client/stats.js';
export {
  DEFAULT_IDEMPOTENCY_MAX_ENTRIES,
  DEFAULT_IDEMPOTENCY_MAX_BYTES,
  type ResilienceServerOptions,
} from './server/resilience-options.js';
export type { IdempotencyStats } from './server/idempotency.js';
export {
  MAX_QUEUE_WAIT,
  MIN_POLL_RESPONSE_MARGIN,
  type OfferOptions,
  type PollOptions,
  type ConsumeOptions,
  type ClientCreateQueueOptions,
  type ClientQueueStatus,
} from './client/queues.js';
export { DEFAULT_SUBSCRIPTION_BUFFER, DEFAULT_SUBSCRIPTION_BUFFER_BYTES, type PushHandler, type SubscribeOptions, type Subscription } from './client/subscription.js';
export {
  DEFAULT_PUBLISH_BUFFER_SIZE,
  DEFAULT_PUBLISH_QUEUE_CAPACITY,
  DEFAULT_MAX_TOPICS_PER_CONNECTION,
  type PubSubServerOptions,
  type PubSubSettings,
} from './server/pubsub-options.js';
export { PUBLISHED_TEXT, SUBSCRIBED_TEXT, UNSUBSCRIBED_TEXT } from './server/pubsub.js';
export type { ServerConfig } from './client/handshake.js';
export {
  createAuthenticator,
  loadAuthenticator,
  parseAuthenticator,
  MAX_CREDENTIAL_LENGTH,
  type Authenticator,
  type AuthenticatorOptions,
  type AddCredentialsOptions,
  type CredentialsSource,
  type CredentialsTarget,
} from './auth/authenticator.js';
export {
  hashPassword,
  verifyPassword,
  passwordHashFormat,
  STRONG_PASSWORD_ITERATIONS,
  type PasswordFormat,
  type HashPasswordOptions,
} from './crypto/password.js';
export { parseAcl, loadAcl, PERMISSIONS, type AclPolicy, type Permission } from './auth/acl.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_FRAME_TIMEOUT,
  DEFAULT_MAX_PRE_AUTH_FRAME,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_IDLE_EVICTION_AGE,
  DEFAULT_LOGIN_THROTTLE_WINDOW,
  type SecurityServerOptions,
} from './server/security-options.js';
export type { ServerTlsOptions, Pem } from './server/tls.js';
export type { ClientTlsOptions, ClientPem } from './client/tls.js';
export { verifyWalDir, dumpWalDir } from './wal/index.js';
export { encodeStoredMessage, decodeStoredMessage } from './transport/stored-message.js';
export type { VerifyResult, VerifiedLog, RecoveredQueue, RecoveredEntry, Damage, LogFormat } from './wal/index.js';
export { benchmark, formatBenchmarkSummary, type BenchmarkOptions, type BenchmarkProgress, type BenchmarkResult } from './bench-api/benchmark.js';
// --- at-least-once queues (queue extension, docs/queues.md) ---
export { DEFAULT_CONSUME_LEASE, DEFAULT_PREFETCH, MAX_LEASE, type LeasedMessage, type LeaseInfo, type NackOptions } from './client/leases.js';
export { DEFAULT_MAX_QUEUE_BYTES, DEFAULT_QUEUE_MAX_BYTES, DEFAULT_QUEUE_EXPIRY_SWEEP, type QueueServerOptions } from './server/queue-options.js';
export { DEAD_LETTER_SUFFIX } from './server/queue-registry.js';
export { deadLetterOf, type DeadLetterInfo } from './queue/markers.js';
export { MAX_LEASE_MS, type LeaseGrant, type LeaseRequest, type LeaseOutcome, type DeadLetterReason, type QueueLimits, type QueueClock, type ByteBudget } from './queue/types.js';
