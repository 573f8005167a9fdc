import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, startupWarnings } from './app.factory.js';
import { ConfigValidationError, describeDatabase, loadConfig } from './config/config.js';
import { loadEnvFile } from './config/load-env-file.js';
import { armShutdownDeadline } from './health/shutdown-deadline.js';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  // Nest's signal handler drains live runs; SHUTDOWN_GRACE_S bounds how long that may take.
  armShutdownDeadline(config.ops.shutdownGraceS);
  await app.listen(config.http.port, config.http.host);
  const url = `http://${config.http.host}:${config.http.port}`;
  const logger = new Logger('Bootstrap');
  for (const warning of startupWarnings(config)) logger.warn(warning);
  logger.log(`TeamStream listening on ${url} (docs ${url}/api/docs), database: ${describeDatabase(config.database)}`);
}

bootstrap().catch((err: unknown) => {
  console.error('TeamStream failed to start:', err);
  process.exit(1);
});
