/**
 * The egress policy: every outbound request made on behalf of a config (model clients, MCP over
 * HTTP/SSE, tools) is checked and pinned here, and server credentials go only to the endpoint
 * they belong to. See policy.ts for the rules and README (Security) for the operator's view.
 */
export { classifyAddress, parseIp, Cidr, type AddressClass, type IpBytes } from './ip-address.js';
export { EgressAllowSchema, parseEgressAllow, parseEgressRule, type EgressRule } from './rules.js';
export {
  EgressPolicy,
  EgressRefusedError,
  systemResolver,
  type CheckedDestination,
  type EgressPolicyOptions,
  type HostResolver,
  type ResolvedAddress,
} from './policy.js';
export {
  ANTHROPIC_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_BASE_URL,
  CREDENTIAL_KINDS,
  credentialsForUser,
  credentialsFromEnv,
  keyFor,
  normaliseEndpoint,
  operatorEndpoints,
  sameEndpoint,
  serverEgressPolicy,
  type BoundCredential,
  type CredentialKind,
  type CredentialEnv,
  type ServerCredentials,
} from './credentials.js';
export {
  DEFAULT_MAX_EVENT_LINE_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  ResponseLimitError,
  isThirdPartyEgressRequest,
  type ResponseLimits,
} from './pinned-fetch.js';
export { UPSTREAM_MESSAGE_MAX, sanitizedErrorBody, shorten, upstreamMessage } from './upstream-errors.js';
export { MIN_SECRET_LENGTH, REDACTED, redactValues, requestCredentials, scrubSecrets } from './secret-text.js';
