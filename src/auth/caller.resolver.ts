import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError, UnauthorizedError } from '../common/errors.js';
import { formatIssues } from '../common/validation.pipe.js';
import { ADMIN_ROLE, type Caller, canSee, GUEST_USER_ID, userCaller } from './caller.js';
import { JwtError, verifyHs256Jwt } from './jwt.js';

// The user id is stored as the owner of rows: a NUL (PostgreSQL cannot store it) is a 400.
const userIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((v) => !v.includes('\0'), 'must not contain the NUL character (\\u0000)')
  .optional();

/** How a run socket is refused (protocol §1.3, §2.7): a bad token, or a run that is not the caller's. */

/** Paths that need no identity: reported by GET /api/auth/type and skipped by the guard. */
const EXCLUDE_PATHS = ['/api/health', '/api/version', '/api/auth/type', '/api/docs'];

/**
 * Decides who is calling; the only place that reads identity from a request.
 * - AUTH_TYPE=none: `user_id` from the query (GET/PUT/DELETE) or the body (POST), as the AGS
 *   front-end sends it, defaulting to the guest user. Nothing is verified: anyone can claim any id.
 * - AUTH_TYPE=jwt: an HS256 token from `Authorization: Bearer` or `?token=`; the user is the
 *   token's `sub` (else `email`). `user_id` in the request is ignored, so a token for A can never
 *   act as B by naming B.
 */
@Injectable()
export class CallerResolver {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * The caller of an HTTP request, or null for an anonymous request to an excluded path under
   * jwt. Throws UnauthorizedError for a missing or bad token, AppError (bad_request) for a bad `user_id`.
   */
  resolve(req: Request): Caller | null {
    if (this.config.auth.type === 'none') return this.fromUserId(req);
    const path = (req.originalUrl ?? req.url).split('?')[0] ?? '';
    if (this.isExcluded(path)) return null;
    return this.fromToken(bearerToken(req.headers.authorization) ?? queryToken(req.query?.token));
  }

  /** The caller a token names; UnauthorizedError when it is missing, forged, expired or malformed. */
  fromToken(token: string | undefined): Caller {
    if (!token) throw new UnauthorizedError('Authentication required: send Authorization: Bearer <token> or ?token=<token>');
    let claims;
    try {
      claims = verifyHs256Jwt(token, this.secret);
    } catch (err) {
      if (err instanceof JwtError) throw new UnauthorizedError(err.message);
      throw err;
    }
    const userId = claims.sub ?? claims.email;
    if (!userId) throw new UnauthorizedError('Token has neither sub nor email');
    return { userId, isAdmin: claims.roles.includes(ADMIN_ROLE), name: claims.name, email: claims.email, roles: claims.roles };
  }

  /**
   * Whether `caller` may open a socket on `run` (protocol §2.7). Under jwt only the run's owner
   * (or an admin). With auth off a socket carries no user (AGS sends `?token=null`) and any
   * caller is only a claim, so any socket may watch or drive any run, as in AGS.
   */
  mayOpenRun(caller: Caller, run: { user_id: string }): boolean {
    return this.config.auth.type === 'none' || canSee(caller, run);
  }

  /**
   * The caller of a WebSocket upgrade: the guest with auth off (sockets carry no `user_id`),
   * else the user its token names. Throws UnauthorizedError for a missing or bad token.
   */
  socketCaller(request: IncomingMessage): Caller {
    if (this.config.auth.type === 'none') return userCaller(GUEST_USER_ID);
    const query = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    return this.fromToken(bearerToken(request.headers.authorization) ?? (query.get('token') || undefined));
  }

  /** Whether a path needs no identity under jwt. */
  isExcluded(path: string): boolean {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    return EXCLUDE_PATHS.some((e) => p === e || p.startsWith(`${e}/`));
  }

  get excludePaths(): string[] {
    return [...EXCLUDE_PATHS];
  }

  get type(): AppConfig['auth']['type'] {
    return this.config.auth.type;
  }

  private get secret(): string {
    // loadConfig refuses AUTH_TYPE=jwt without a secret; this guards hand-built configs (tests).
    const secret = this.config.auth.jwtSecret;
    if (!secret) throw new Error('AUTH_TYPE=jwt without JWT_SECRET');
    return secret;
  }

  private fromUserId(req: Request): Caller {
    const fromQuery: unknown = req.query?.user_id;
    const body: unknown = req.body;
    const fromBody = body !== null && typeof body === 'object' ? (body as { user_id?: unknown }).user_id : undefined;
    const parsed = userIdSchema.safeParse(fromQuery ?? fromBody);
    if (!parsed.success) throw new AppError('bad_request', formatIssues(parsed.error.issues, 'user_id'));
    return userCaller(parsed.data ?? GUEST_USER_ID);
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function queryToken(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
