/**
 * HS256 JSON Web Tokens with node:crypto only (RFC 7519 / RFC 7515, compact form). Verification
 * is deliberately narrow: the header must say `alg: "HS256"` — `none`, RS256 (the classic
 * key-confusion attack) and everything else are refused before any signature work — the
 * signature is compared in constant time, and `exp` is required (a token that never expires is
 * a password that cannot be rotated). Claims are checked with zod at this edge.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Seconds of clock difference tolerated between the token issuer and this server. */
export const DEFAULT_CLOCK_SKEW_S = 30;

const noNul = (value: string): boolean => !value.includes('\0');

/** The claims this service reads (others are kept but ignored). */
export const jwtClaimsSchema = z.looseObject({
  // The user id is stored as the owner of every row: a NUL (which PostgreSQL cannot store) is refused.
  sub: z.string().min(1).max(255).refine(noNul).optional(),
  email: z.string().min(1).max(255).refine(noNul).optional(),
  name: z.string().max(255).optional(),
  roles: z.array(z.string()).default([]),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
});
export type JwtClaims = z.infer<typeof jwtClaimsSchema>;

/** Why a token was refused. The text is safe to send back: it never contains the token. */
export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

const headerSchema = z.looseObject({ alg: z.string(), typ: z.string().optional() });
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface VerifyOptions {
  /** Current time in seconds since the epoch (tests pin it). */
  nowS?: number;
  clockSkewS?: number;
}

/** Verifies an HS256 token against `secret` and returns its claims; throws {@link JwtError}. */
export function verifyHs256Jwt(token: string, secret: string, options: VerifyOptions = {}): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !BASE64URL.test(p))) throw new JwtError('Malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = headerSchema.safeParse(parseJsonPart(headerPart));
  if (!header.success) throw new JwtError('Malformed token header');
  // Checked before the signature so that `none` or an asymmetric alg never reaches the HMAC.
  if (header.data.alg !== 'HS256') throw new JwtError(`Unsupported token algorithm: ${header.data.alg.slice(0, 20)}`);

  // Compared as canonical base64url text, so a signature with altered padding bits is refused too.
  const expected = Buffer.from(hmac(`${headerPart}.${payloadPart}`, secret).toString('base64url'));
  const given = Buffer.from(signaturePart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtError('Invalid token signature');

  const claims = jwtClaimsSchema.safeParse(parseJsonPart(payloadPart));
  if (!claims.success) throw new JwtError('Invalid token claims: exp is required, sub/email/name must be strings, roles a string array');
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  const skew = options.clockSkewS ?? DEFAULT_CLOCK_SKEW_S;
  if (claims.data.exp + skew <= now) throw new JwtError('Token expired');
  if (claims.data.nbf !== undefined && claims.data.nbf - skew > now) throw new JwtError('Token not yet valid');
  if (!claims.data.sub && !claims.data.email) throw new JwtError('Token has neither sub nor email');
  return claims.data;
}

/**
 * Signs claims as an HS256 token. The service itself never issues tokens (an identity provider
 * does); this serves the specs, the e2e tests and operators minting a token by hand.
 */
export function signHs256Jwt(
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const head = `${b64json(header)}.${b64json(claims)}`;
  return `${head}.${hmac(head, secret).toString('base64url')}`;
}

function hmac(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJsonPart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('Malformed token');
  }
}
