/**
 * The DataSource for the TypeORM CLI (`npm run migration:run` and friends, which load
 * dist/database/data-source.js). It reads the same environment and .env as the service.
 */
import { loadConfig } from '../config/config.js';
import { loadEnvFile } from '../config/load-env-file.js';
import { createDataSource } from './data-source.factory.js';

loadEnvFile();
export default createDataSource(loadConfig().database);
