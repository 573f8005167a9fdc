import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { ChatModule } from './chat/chat.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { HostCheckMiddleware } from './common/host-check.middleware.js';
import { RequestLoggerMiddleware } from './common/request-logger.middleware.js';
import { SchemaValidationPipe } from './common/validation.pipe.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { ENTITIES } from './entities.js';
import { GalleryModule } from './gallery/gallery.module.js';
import { HealthModule } from './health/health.module.js';
import { McpModule } from './mcp/mcp.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RunsModule } from './runs/runs.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { StreamingModule } from './runs/streaming.module.js';
import { ValidateModule } from './validate/validate.module.js';
import { TeamsModule } from './teams/teams.module.js';

/** Wiring only: the parsed config, the database, the resource modules, global pipe/filter/logging. */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(ENTITIES),
        ClusterModule.forRoot(config),
        AuthModule,
        HealthModule,
        ObservabilityModule.forRoot(config),
        TeamsModule,
        SessionsModule,
        RunsModule,
        StreamingModule,
        ValidateModule,
        SettingsModule,
        GalleryModule,
        ChatModule,
        McpModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: SchemaValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggerMiddleware, HostCheckMiddleware).forRoutes('*path');
  }
}
