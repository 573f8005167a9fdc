import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { formatIssues } from '../common/validation.pipe.js';
import { type Caller, GUEST_USER_ID } from './caller.js';

const userIdSchema = z.string().trim().min(1).max(255).optional();

/**
 * Decides who is calling. This is the only place that reads identity from a request: with
 * AUTH_TYPE=none it is `user_id` from the query (GET/PUT/DELETE) or the body (POST), as the AGS
 * front-end sends it, defaulting to the guest user. JWT (protocol §2.7) will replace this body.
 */
@Injectable()
export class CallerResolver {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // Fail closed: never serve AUTH_TYPE=jwt with the query-string identity of AUTH_TYPE=none.
    if (config.auth.type !== 'none') throw new Error(`AUTH_TYPE=${config.auth.type} is not implemented yet`);
  }

  resolve(req: Request): Caller {
    const fromQuery: unknown = req.query?.user_id;
    const body: unknown = req.body;
    const fromBody = body !== null && typeof body === 'object' ? (body as { user_id?: unknown }).user_id : undefined;
    const parsed = userIdSchema.safeParse(fromQuery ?? fromBody);
    if (!parsed.success) throw new BadRequestException(formatIssues(parsed.error.issues, 'user_id'));
    return { userId: parsed.data ?? GUEST_USER_ID };
  }

  /** Paths that need no identity (reported by GET /api/auth/type). */
  get excludePaths(): string[] {
    return ['/api/health', '/api/version', '/api/auth/type', '/api/docs'];
  }

  get type(): AppConfig['auth']['type'] {
    return this.config.auth.type;
  }
}
