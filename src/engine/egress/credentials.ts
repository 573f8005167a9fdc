/**
 * The server's own model credentials, each bound to the one endpoint it belongs to. A model
 * client whose config has no key gets the server's key only when the config's endpoint is that
 * endpoint (normalised URL compare); a config that names another `base_url` / `azure_endpoint`
 * gets no key, so the operator's key is never sent to an address a client chose.
 */
import { EgressPolicy, type EgressPolicyOptions } from './policy.js';

/** The official OpenAI endpoint: where OPENAI_API_KEY goes when OPENAI_BASE_URL is not set. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** The official Anthropic endpoint: where ANTHROPIC_API_KEY goes when ANTHROPIC_BASE_URL is not set. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** A server-owned key and the endpoint (a URL) it may be sent to, and only to. */
export interface BoundCredential {
  readonly apiKey: string;
  readonly endpoint: string;
}

/** The server's credentials, from its environment (see {@link credentialsFromEnv}). */
export interface ServerCredentials {
  /** OPENAI_API_KEY, bound to OPENAI_BASE_URL or the official endpoint. */
  readonly openai?: BoundCredential;
  /** AZURE_OPENAI_API_KEY, bound to AZURE_OPENAI_ENDPOINT (no endpoint: no Azure credential). */
  readonly azure?: BoundCredential;
  /**
   * Where an OpenAI client with no `base_url` goes (OPENAI_BASE_URL), even without a key: a
   * keyless local server the operator chose. Absent: the official endpoint.
   */
  readonly openaiBaseUrl?: string;
  /** ANTHROPIC_API_KEY, bound to ANTHROPIC_BASE_URL or the official endpoint. */
  readonly anthropic?: BoundCredential;
  /** Where an Anthropic client with no `base_url` goes (ANTHROPIC_BASE_URL). Absent: the official endpoint. */
  readonly anthropicBaseUrl?: string;
}

/**
 * A URL in a form two spellings of one endpoint share: scheme and host lower-case, default port
 * dropped, trailing slashes, query and fragment removed. `HTTPS://API.openai.com:443/v1/` and
 * `https://api.openai.com/v1` compare equal.
 * @returns undefined when `url` is not a URL
 */
export function normaliseEndpoint(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // URL already lower-cases the scheme and host and drops a default port.
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.protocol}//${parsed.host}${path}`;
}

/** Whether two URLs name the same endpoint (see {@link normaliseEndpoint}); never true for a non-URL. */
export function sameEndpoint(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const left = normaliseEndpoint(a);
  return left !== undefined && left === normaliseEndpoint(b);
}

/**
 * The credential for a request to `endpoint`, if the server has one bound to it.
 * @returns the key, or undefined (send no key)
 */
export function keyFor(credential: BoundCredential | undefined, endpoint: string): string | undefined {
  return credential && sameEndpoint(credential.endpoint, endpoint) ? credential.apiKey : undefined;
}

/** What the server's environment says (OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). */
export interface CredentialEnv {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  AZURE_OPENAI_API_KEY?: string | undefined;
  AZURE_OPENAI_ENDPOINT?: string | undefined;
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
}

/** Builds {@link ServerCredentials} from environment values; blank values count as unset. */
export function credentialsFromEnv(env: CredentialEnv): ServerCredentials {
  const value = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
  const openaiKey = value(env.OPENAI_API_KEY);
  const openaiBaseUrl = value(env.OPENAI_BASE_URL);
  const azureKey = value(env.AZURE_OPENAI_API_KEY);
  const azureEndpoint = value(env.AZURE_OPENAI_ENDPOINT);
  const anthropicKey = value(env.ANTHROPIC_API_KEY);
  const anthropicBaseUrl = value(env.ANTHROPIC_BASE_URL);
  return {
    ...(openaiKey ? { openai: { apiKey: openaiKey, endpoint: openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL } } : {}),
    ...(azureKey && azureEndpoint ? { azure: { apiKey: azureKey, endpoint: azureEndpoint } } : {}),
    ...(openaiBaseUrl ? { openaiBaseUrl } : {}),
    ...(anthropicKey ? { anthropic: { apiKey: anthropicKey, endpoint: anthropicBaseUrl ?? ANTHROPIC_DEFAULT_BASE_URL } } : {}),
    ...(anthropicBaseUrl ? { anthropicBaseUrl } : {}),
  };
}

/** The endpoints the operator configured: trusted destinations even when they are private. */
export function operatorEndpoints(credentials: ServerCredentials): string[] {
  return [
    credentials.openaiBaseUrl,
    credentials.openai?.endpoint,
    credentials.azure?.endpoint,
    credentials.anthropicBaseUrl,
    credentials.anthropic?.endpoint,
  ].filter((u): u is string => !!u);
}

/** The server's policy: the operator's EGRESS_ALLOW rules, trusting the endpoints its credentials belong to. */
export function serverEgressPolicy(credentials: ServerCredentials, options: Omit<EgressPolicyOptions, 'trust'> = {}): EgressPolicy {
  return new EgressPolicy({ ...options, trust: operatorEndpoints(credentials) });
}

/**
 * The credential kinds the server knows, each a key variable and the endpoint variable that key
 * is bound to (the names of {@link CredentialEnv}). Settings use it to drop a stored key whose
 * endpoint variable changed, and to check endpoint variables when they are saved.
 */
export interface CredentialKind {
  readonly kind: 'openai' | 'azure' | 'anthropic';
  /** The variable holding the key, e.g. OPENAI_API_KEY. */
  readonly keyVariable: keyof CredentialEnv;
  /** The variable naming the endpoint that key goes to, e.g. OPENAI_BASE_URL. */
  readonly endpointVariable: keyof CredentialEnv;
}

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [
  { kind: 'openai', keyVariable: 'OPENAI_API_KEY', endpointVariable: 'OPENAI_BASE_URL' },
  { kind: 'azure', keyVariable: 'AZURE_OPENAI_API_KEY', endpointVariable: 'AZURE_OPENAI_ENDPOINT' },
  { kind: 'anthropic', keyVariable: 'ANTHROPIC_API_KEY', endpointVariable: 'ANTHROPIC_BASE_URL' },
];

/**
 * Where a client of `kind` with no endpoint in its config goes for the server: the operator's
 * endpoint variable (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, the Azure key's AZURE_OPENAI_ENDPOINT),
 * else the official endpoint (Azure has none).
 */
function serverEndpoint(server: ServerCredentials, kind: CredentialKind['kind']): string | undefined {
  switch (kind) {
    case 'openai':
      return server.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL;
    case 'anthropic':
      return server.anthropicBaseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
    case 'azure':
      return server.azure?.endpoint;
  }
}

/**
 * One user's credentials for one run: the server's, with each credential the user's own
 * variables define (AGS's `settings.config.environment`, read as a name → value map) taking the
 * place of the server's of the same kind. The user's key is bound to the user's own endpoint
 * variable when they set one; otherwise to the endpoint the server would use for that kind (the
 * operator's OPENAI_BASE_URL / ANTHROPIC_BASE_URL / AZURE_OPENAI_ENDPOINT, trusted by the
 * operator, else the official one), as AGS's process-wide `OPENAI_API_KEY` would be used there.
 * Either way the user's key replaces the server's credential of that kind, so the server's key is
 * never used for that user's requests of that kind. A server credential the user does not replace
 * keeps its own endpoint, so a user who sets only `OPENAI_BASE_URL` moves where their configs
 * without `base_url` go but never takes the server's key there (keyFor compares endpoints).
 * Generic over {@link CREDENTIAL_KINDS}. Never reads or writes `process.env` (AGS mutates it per
 * run, which races between users).
 */
export function credentialsForUser(server: ServerCredentials, userEnv: Readonly<Record<string, string>>): ServerCredentials {
  const own = credentialsFromEnv(userEnv as CredentialEnv);
  const result: { -readonly [K in keyof ServerCredentials]: ServerCredentials[K] } = { ...server, ...own };
  const blank = (v: string | undefined) => !v || v.trim() === '';
  for (const { kind, keyVariable, endpointVariable } of CREDENTIAL_KINDS) {
    const key = userEnv[keyVariable];
    if (blank(key) || !blank(userEnv[endpointVariable])) continue;
    const endpoint = serverEndpoint(server, kind);
    if (endpoint) result[kind] = { apiKey: key!.trim(), endpoint };
  }
  return result;
}
