/**
 * Which `Host` a request may name (ALLOWED_HOSTS). A page on another site can make a browser talk
 * to this server under a name it controls that resolves to 127.0.0.1 (DNS rebinding); the browser
 * then sends that name as `Host` and treats the server as same-origin. Checking `Host` against the
 * names this server answers to closes that: with AUTH_TYPE=none, any such page could otherwise
 * run teams on the server's keys and read every row.
 */
import { isIP } from 'node:net';
import { AppError } from './errors.js';

/** `any`: every Host is accepted; else the host names (lower case, no port) accepted. */
export type AllowedHosts = { any: true } | { any: false; names: ReadonlySet<string> };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);

/**
 * The hosts to accept: ALLOWED_HOSTS when set (`*` for any), else the loopback names plus the
 * interface the server listens on (HOST) when that is a name or a specific address. A server
 * listening on every interface with no ALLOWED_HOSTS cannot know its public names: it accepts
 * any Host (and the start-up log says to set ALLOWED_HOSTS).
 */
export function allowedHosts(configured: readonly string[], listenHost: string): AllowedHosts {
  if (configured.includes('*')) return { any: true };
  if (configured.length > 0) return { any: false, names: new Set([...LOOPBACK_NAMES, ...configured.map((h) => h.toLowerCase())]) };
  if (WILDCARD_BINDS.has(listenHost)) return { any: true };
  return { any: false, names: new Set([...LOOPBACK_NAMES, listenHost.toLowerCase()]) };
}

/** The host name of a `Host` header value, without its port or IPv6 brackets; undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1];
  if (isIP(value) === 6) return value;
  const match = /^([^:]+)(?::\d+)?$/.exec(value);
  return match?.[1];
}

/** Throws AppError `forbidden` when `host` (a `Host` header) is not one this server answers to. */
export function checkHost(host: string | undefined, allowed: AllowedHosts): void {
  if (allowed.any) return;
  const name = hostName(host);
  if (name !== undefined && allowed.names.has(name)) return;
  throw new AppError('forbidden', `Host ${JSON.stringify(host ?? '')} is not a name this server answers to (ALLOWED_HOSTS)`);
}
