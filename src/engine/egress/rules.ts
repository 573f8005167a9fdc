/**
 * The operator's exceptions to the egress policy (EGRESS_ALLOW): which non-public destinations
 * a config may still name. Written as a comma-separated list:
 *
 *   127.0.0.1:11434        one address, one port (a local Ollama)
 *   10.0.0.0/8             a block, any port
 *   [::1]:8000  fd00::/8   the same for IPv6 (brackets when a port follows)
 *   vllm.internal:8000     a host name (any address it resolves to), optionally one port
 *   *                      everything (development only: turns the address check off)
 */
import { z } from 'zod';
import { Cidr, parseIp } from './ip-address.js';

/** One allowed destination. `port` absent: any port. */
export type EgressRule =
  | { readonly kind: 'any'; readonly text: string }
  | { readonly kind: 'cidr'; readonly cidr: Cidr; readonly port?: number; readonly text: string }
  | { readonly kind: 'host'; readonly host: string; readonly port?: number; readonly text: string };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/**
 * Parses one entry of EGRESS_ALLOW.
 * @returns the rule, or a string saying what is wrong with the entry
 */
export function parseEgressRule(entry: string): EgressRule | string {
  const text = entry.trim();
  if (text === '*') return { kind: 'any', text };
  let hostPart = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    hostPart = bracketed[1]!;
    portText = bracketed[2];
  } else if (text.split(':').length === 2) {
    // One colon: host:port (an IPv6 literal has at least two).
    [hostPart, portText] = text.split(':') as [string, string];
    if (!/^\d+$/.test(portText)) return `"${text}": the port must be a number`;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `"${text}": the port must be 1-65535`;
  }
  const withPort = port === undefined ? {} : { port };
  if (parseIp(hostPart.split('/')[0]!)) {
    const cidr = Cidr.parse(hostPart);
    return cidr ? { kind: 'cidr', cidr, text, ...withPort } : `"${text}": not a valid address or CIDR block`;
  }
  const host = hostPart.toLowerCase().replace(/\.$/, '');
  if (!HOST_NAME.test(host)) return `"${text}": not an address, CIDR block or host name`;
  return { kind: 'host', host, text, ...withPort };
}

/**
 * EGRESS_ALLOW as zod parses it: a comma- (or space-) separated list into rules, with one issue
 * per bad entry. Undefined or blank is the empty list (no exceptions).
 */
export const EgressAllowSchema = z
  .string()
  .optional()
  .transform((value, ctx): EgressRule[] => {
    const rules: EgressRule[] = [];
    for (const entry of (value ?? '').split(/[\s,]+/).filter(Boolean)) {
      const rule = parseEgressRule(entry);
      if (typeof rule === 'string') ctx.addIssue({ code: 'custom', message: rule });
      else rules.push(rule);
    }
    return rules;
  });

/** Parses an EGRESS_ALLOW value. @throws Error listing every bad entry. */
export function parseEgressAllow(value: string | undefined): EgressRule[] {
  const parsed = EgressAllowSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(`EGRESS_ALLOW: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
}
