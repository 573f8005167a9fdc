/**
 * Who may open a WebSocket, decided at the upgrade, before the socket can send anything: a
 * `Host` this server does not answer to (ALLOWED_HOSTS) is refused, then a browser page from a
 * foreign origin, then a missing or bad token (AUTH_TYPE=jwt),
 * then a socket over WS_MAX_CONNECTIONS (all sockets) or WS_MAX_CONNECTIONS_PER_USER (per
 * verified user; per client IP without auth, where the user is only a claim). The close code of
 * each refusal is its error kind's, from ERROR_TRANSPORT.
 */
import type { IncomingMessage } from 'node:http';
import type { CallerResolver } from '../auth/caller.resolver.js';
import { checkHost, type AllowedHosts } from '../common/allowed-hosts.js';
import { AppError, describeError, ERROR_TRANSPORT } from '../common/errors.js';

export interface SocketRefusal {
  code: number;
  reason: string;
}

/** An admitted upgrade: `open()` counts the socket once it exists and returns its release. */
export type Admission = { refusal: SocketRefusal } | { refusal?: undefined; open(): () => void };

export interface SocketGateOptions {
  /** CORS_ORIGINS: foreign origins allowed besides the server's own (`*`: any). */
  corsOrigins: readonly string[];
  /** The `Host` names upgrades may use (ALLOWED_HOSTS); unset: any. */
  allowedHosts?: AllowedHosts;
  maxSockets: number;
  maxSocketsPerUser: number;
}

/** The longest close reason RFC 6455 allows, in bytes. */
const MAX_REASON_BYTES = 123;

/** `text` cut to a valid close reason (at most 123 UTF-8 bytes, never half a character). */
export function closeReason(text: string): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > MAX_REASON_BYTES) break;
    out += char;
  }
  return out;
}

/** How a socket is closed for a thrown error: its kind's close code, and its safe message. */
export function socketRefusal(error: unknown): SocketRefusal {
  const { kind, message } = describeError(error);
  return { code: ERROR_TRANSPORT[kind].socketClose, reason: closeReason(kind === 'unauthorized' ? `Unauthorized: ${message}` : message) };
}

/** Whether a browser's `Origin` is this server's own (same host and port as the request's `Host`). */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

export class SocketGate {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(
    private readonly callers: CallerResolver,
    private readonly options: SocketGateOptions,
  ) {}

  /** Open sockets now, in total (for tests and diagnostics). */
  get openSockets(): number {
    return this.total;
  }

  /** Decides synchronously, from the upgrade request alone. */
  admit(request: IncomingMessage): Admission {
    try {
      // DNS rebinding: a foreign page under a name that resolves here would pass the Origin check.
      if (this.options.allowedHosts) checkHost(request.headers.host, this.options.allowedHosts);
      this.checkOrigin(request);
      const caller = this.callers.socketCaller(request);
      const key = this.callers.type === 'jwt' ? `user:${caller.userId}` : `ip:${request.socket.remoteAddress ?? '?'}`;
      if (this.total >= this.options.maxSockets) {
        throw new AppError('too_many', `Too many open sockets on this server (WS_MAX_CONNECTIONS=${this.options.maxSockets}); try again later`);
      }
      if ((this.perKey.get(key) ?? 0) >= this.options.maxSocketsPerUser) {
        throw new AppError('too_many', `Too many open sockets for this user (WS_MAX_CONNECTIONS_PER_USER=${this.options.maxSocketsPerUser})`);
      }
      return { open: () => this.count(key) };
    } catch (error) {
      return { refusal: socketRefusal(error) };
    }
  }

  private checkOrigin(request: IncomingMessage): void {
    const origin = request.headers.origin;
    // No Origin: not a browser (browsers always send it on a WebSocket upgrade).
    if (origin === undefined) return;
    const allowed = this.options.corsOrigins;
    if (allowed.includes('*') || allowed.includes(origin) || isSameOrigin(origin, request.headers.host)) return;
    throw new AppError('forbidden', `Origin ${origin} may not open sockets here (CORS_ORIGINS)`);
  }

  private count(key: string): () => void {
    this.total++;
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
    };
  }
}
