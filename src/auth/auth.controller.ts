import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import type { Caller } from './caller.js';
import { CallerResolver } from './caller.resolver.js';
import { CurrentUser } from './current-user.decorator.js';

const authTypeSchema = z.object({ type: z.enum(['none', 'jwt']), exclude_paths: z.array(z.string()) });
const meSchema = z.object({
  user_id: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  roles: z.array(z.string()),
  is_admin: z.boolean(),
});

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly resolver: CallerResolver) {}

  /** Not enveloped: the AGS front-end reads `type` directly (protocol §1.2). */
  @Get('type')
  @ApiOkResponse({ standardSchema: authTypeSchema })
  type(): z.infer<typeof authTypeSchema> {
    return { type: this.resolver.type, exclude_paths: this.resolver.excludePaths };
  }

  /** Who the service thinks the caller is: lets a client check its token (never echoes it). */
  @Get('me')
  @ApiOkResponse({ standardSchema: envelopeOf(meSchema) })
  me(@CurrentUser() caller: Caller): Envelope<z.infer<typeof meSchema>> {
    return ok({ user_id: caller.userId, name: caller.name, email: caller.email, roles: caller.roles, is_admin: caller.isAdmin });
  }
}
