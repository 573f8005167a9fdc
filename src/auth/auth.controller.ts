import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CallerResolver } from './caller.resolver.js';

const authTypeSchema = z.object({ type: z.enum(['none', 'jwt']), exclude_paths: z.array(z.string()) });

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
}
