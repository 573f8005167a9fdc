import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type Envelope, envelopeOf } from '../common/envelope.js';
import { readAppVersion } from './app-version.js';

const versionSchema = z.object({ version: z.string() });
const healthSchema = z.object({ status: z.literal(true), message: z.string() });

@ApiTags('health')
@Controller('api')
export class HealthController {
  private readonly version = readAppVersion();

  constructor(private readonly dataSource: DataSource) {}

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
}
