import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { NotRateLimited } from '../auth/not-rate-limited.decorator.js';
import { type Envelope, envelopeOf } from '../common/envelope.js';
import { readAppVersion } from './app-version.js';
import { ReadinessService } from './readiness.js';

const versionSchema = z.object({ version: z.string() });
const healthSchema = z.object({ status: z.literal(true), message: z.string() });
const checksSchema = z.object({ database: z.string(), shutdown: z.string() });
const readySchema = z.object({ status: z.boolean(), message: z.string(), data: z.object({ checks: checksSchema }) });

@ApiTags('health')
@NotRateLimited()
@Controller('api')
export class HealthController {
  private readonly version = readAppVersion();

  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('version')
  @ApiOkResponse({ standardSchema: envelopeOf(versionSchema) })
  getVersion(): Envelope<z.infer<typeof versionSchema>> {
    return { status: true, data: { version: this.version }, message: 'Version retrieved successfully' };
  }

  /** Healthy means the database answers; AGS sends the envelope with a message and no data. */
  @Get('health')
  @ApiOkResponse({ standardSchema: healthSchema })
  async health(): Promise<Envelope<never>> {
    await this.dataSource.query('SELECT 1');
    return { status: true, message: 'Service is healthy' };
  }

  /** Liveness: the process answers HTTP. Checks nothing else, so a slow database never gets it restarted. */
  @Get('health/live')
  @ApiOkResponse({ standardSchema: healthSchema })
  live(): Envelope<never> {
    return { status: true, message: 'Service is live' };
  }

  /**
   * Readiness: 200 when the database answers and no shutdown has begun; 503 otherwise, with every
   * check's result (`ok` or why not) in `data.checks`.
   */
  @Get('health/ready')
  @ApiOkResponse({ standardSchema: readySchema })
  @ApiServiceUnavailableResponse({ standardSchema: readySchema })
  async ready(@Res({ passthrough: true }) res: Response): Promise<z.infer<typeof readySchema>> {
    const { ready, checks } = await this.readiness.check();
    if (!ready) res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready, message: ready ? 'Service is ready' : 'Service is not ready', data: { checks } };
  }
}
