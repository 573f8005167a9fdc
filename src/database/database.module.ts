import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { type EntityList, openDatabase } from './data-source.factory.js';
import { DatabaseService } from './database.service.js';

/** Opens and migrates the database at start-up and provides the DataSource to every module. */
@Global()
@Module({})
export class DatabaseModule {
  /** `entities`: every entity the app maps, from the composition root (src/entities.ts). */
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openDatabase(config.database, entities) },
        DatabaseService,
      ],
      exports: [DataSource, DatabaseService],
    };
  }
}
