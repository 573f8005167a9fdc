/**
 * The DataSource for the TypeORM CLI (`npm run migration:run` and friends, which load
 * dist/src/data-source.js). It reads the same environment and .env as the service and maps the same
 * entities. It sits at the composition root, like main.ts, because it names the entity list.
 */
import { loadConfig } from './config/config.js';
import { loadEnvFile } from './config/load-env-file.js';
import { createDataSource } from './database/data-source.factory.js';
import { ENTITIES } from './entities.js';

loadEnvFile();
export default createDataSource(loadConfig().database, ENTITIES);
