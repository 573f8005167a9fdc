/**
 * The egress policy: may a request the server makes on behalf of a config go to this URL, and
 * to which IP address exactly. Every outbound call a config can cause (model clients, MCP over
 * HTTP/SSE, tools) asks it through {@link EgressPolicy.fetch}, which connects to the address
 * that was checked, so a second DNS answer cannot differ (no DNS rebinding).
 *
 * Refused unless the operator allows them (EGRESS_ALLOW) or configured them (OPENAI_BASE_URL,
 * AZURE_OPENAI_ENDPOINT: "trusted endpoints"): schemes other than http/https, `localhost`
 * names, and any host that resolves to a non-public address (see ip-address.ts).
 */
import { lookup } from 'node:dns/promises';
import { EngineError } from '../errors.js';
import { classifyAddress, parseIp, type AddressClass, type IpBytes } from './ip-address.js';
import type { EgressRule } from './rules.js';
import { DEFAULT_MAX_EVENT_LINE_BYTES, DEFAULT_MAX_RESPONSE_BYTES, createPinnedFetch } from './pinned-fetch.js';

/** One answer of a name lookup. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all of its addresses (tests inject their own). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, as node:http would use), every address, in its order. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** A destination that passed the policy: connect to `address`, speak to `hostname` (Host, TLS SNI). */
export interface CheckedDestination {
  readonly url: URL;
  /** The URL's host name, without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** The checked IP address the connection must go to. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** A destination the policy refuses. The message names the host and why, never a secret. */
export class EgressRefusedError extends EngineError {
  readonly code = 'egress_refused';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`Refused by the egress policy: ${url}: ${reason}`);
  }
}

export interface EgressPolicyOptions {
  /** The operator's exceptions (EGRESS_ALLOW, parsed by parseEgressAllow / EgressAllowSchema). */
  allow?: readonly EgressRule[];
  /**
   * Endpoints the operator configured (OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT): any URL at or
   * under one of them is allowed whatever its address.
   */
  trust?: readonly string[];
  /** Name resolution; the system resolver by default. */
  resolve?: HostResolver;
  /**
   * Most bytes of a response body `fetch` passes on (EGRESS_MAX_RESPONSE_BYTES); past it the body
   * stream errors (ResponseLimitError). Default 32 MiB.
   */
  maxResponseBytes?: number;
  /** Most bytes of one line of a `text/event-stream` body without a line break. Default 1 MiB. */
  maxEventLineBytes?: number;
}

const ASK_OPERATOR = 'the operator can allow it in EGRESS_ALLOW';
const LOCALHOST_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$/;

/** Percent-encoded slash, backslash and dot: a path holding one cannot be compared segment by segment. */
const ENCODED_PATH_SEPARATOR = /%(2f|5c|2e)/i;

/** The default port of a scheme, as URL leaves it out. */
function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
}

/**
 * The policy. Immutable; one per LoadContext. `fetch` is a WHATWG fetch for SDKs (the openai
 * client's `fetch` option, the MCP transports' `fetch` option) that checks every request.
 */
export class EgressPolicy {
  private readonly allow: readonly EgressRule[];
  private readonly trust: readonly URL[];
  private readonly resolver: HostResolver;
  /**
   * fetch(), checked and pinned: refuses (rejecting with EgressRefusedError) what {@link check}
   * refuses, connects to the checked address, does not follow redirects (a 3xx is returned as
   * is, so a redirect cannot lead past the check), and replaces the body of an error answer
   * (status ≥ 300) with at most a short message (see upstream-errors.ts). A body past
   * `maxResponseBytes`, or an event-stream line past `maxEventLineBytes`, errors the body stream
   * with a ResponseLimitError.
   */
  readonly fetch: typeof globalThis.fetch;

  constructor(options: EgressPolicyOptions = {}) {
    this.allow = [...(options.allow ?? [])];
    this.trust = (options.trust ?? []).map((u) => new URL(u));
    this.resolver = options.resolve ?? systemResolver;
    this.fetch = createPinnedFetch((url) => this.check(url), {
      maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      maxLineBytes: options.maxEventLineBytes ?? DEFAULT_MAX_EVENT_LINE_BYTES,
    });
  }

  /** Whether the policy allows every destination (`EGRESS_ALLOW=*`). */
  get allowsAll(): boolean {
    return this.allow.some((r) => r.kind === 'any');
  }

  /**
   * Whether `url` is at or under an endpoint the operator configured. A path holding an encoded
   * slash, backslash or dot (`%2f`, `%5c`, `%2e`) is never trusted: a server that decodes it
   * would read `/v1/..%2f..%2fadmin` as `/admin`, outside the trusted path.
   */
  isTrusted(url: URL): boolean {
    if (ENCODED_PATH_SEPARATOR.test(url.pathname)) return false;
    return this.trust.some((base) => {
      if (base.protocol !== url.protocol || hostOf(base) !== hostOf(url) || portOf(base) !== portOf(url)) return false;
      const root = base.pathname.replace(/\/+$/, '');
      return url.pathname === root || url.pathname.startsWith(`${root}/`) || root === '';
    });
  }

  /**
   * The checks that need no DNS (scheme, `localhost` names, literal addresses), for load time:
   * a config naming such a destination is refused before anything runs.
   * @returns the reason the URL is refused, or undefined when it may pass (pending DNS)
   */
  precheck(target: string | URL): string | undefined {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return 'is not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the scheme ${url.protocol} is not allowed (only http and https)`;
    if (this.allowsAll || this.isTrusted(url) || this.hostRule(url)) return undefined;
    const host = hostOf(url);
    if (LOCALHOST_NAMES.test(host)) return `localhost names are not allowed; ${ASK_OPERATOR}`;
    const ip = parseIp(host);
    const kind = ip && this.refusedClass(ip, portOf(url));
    return kind ? `${host} is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address; ${ASK_OPERATOR}` : undefined;
  }

  /**
   * Checks `target` fully: {@link precheck}, then resolves the host and checks every address
   * it resolves to (all must pass; a name that also resolves to a private address is refused).
   * @returns the address to connect to (the first answer)
   * @throws EgressRefusedError when refused or when the host does not resolve
   */
  async check(target: string | URL): Promise<CheckedDestination> {
    const url = new URL(target);
    const shown = `${url.protocol}//${url.host}`;
    const early = this.precheck(url);
    if (early) throw new EgressRefusedError(shown, early);
    const hostname = hostOf(url);
    const port = portOf(url);
    const literal = parseIp(hostname);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: hostname, family: literal.version }];
    } else {
      try {
        addresses = await this.resolver(hostname);
      } catch (error) {
        throw new EgressRefusedError(shown, `does not resolve (${(error as { code?: string }).code ?? 'lookup failed'})`);
      }
    }
    if (addresses.length === 0) throw new EgressRefusedError(shown, 'does not resolve');
    const exempt = this.allowsAll || this.isTrusted(url) || this.hostRule(url) !== undefined;
    if (!exempt) {
      for (const { address } of addresses) {
        const ip = parseIp(address);
        // The resolved address itself is not shown: the client would learn the internal DNS.
        const kind = ip ? this.refusedClass(ip, port) : 'unknown';
        if (kind) throw new EgressRefusedError(shown, `${hostname} resolves to a ${kind} address; ${ASK_OPERATOR}`);
      }
    }
    const first = addresses[0]!;
    return { url, hostname, port, address: first.address, family: first.family };
  }

  private hostRule(url: URL): EgressRule | undefined {
    const host = hostOf(url);
    const port = portOf(url);
    return this.allow.find((r) => r.kind === 'host' && r.host === host && (r.port === undefined || r.port === port));
  }

  /** The class `ip` is refused as, or undefined when it is public or an allowed CIDR rule covers it. */
  private refusedClass(ip: IpBytes, port: number): AddressClass | undefined {
    const kind = classifyAddress(ip);
    if (kind === 'public') return undefined;
    const allowed = this.allow.some((r) => r.kind === 'cidr' && r.cidr.contains(ip) && (r.port === undefined || r.port === port));
    return allowed ? undefined : kind;
  }
}
