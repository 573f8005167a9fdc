import 'reflect-metadata';
import { loadEnvFile } from './config/load-env-file.js';
import { startTracing } from './observability/tracing.js';

// Tracing starts before Nest and express are loaded (they are imported below, afterwards), so the
// HTTP instrumentation patches the modules they load; off unless OTEL_* says so (README "Operating it").
loadEnvFile();
await startTracing(process.env, { flushOnSignals: ['SIGTERM', 'SIGINT'] });

async function bootstrap(): Promise<void> {
  const { Logger } = await import('@nestjs/common');
  const { createApp, startupWarnings } = await import('./app.factory.js');
  const { ConfigValidationError, describeDatabase, describeRedis, loadConfig } = await import('./config/config.js');
  const { armShutdownDeadline } = await import('./health/shutdown-deadline.js');
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
  const cluster = config.cluster.mode === 'redis' ? `, cluster: instance ${config.cluster.instanceId} on Redis ${describeRedis(config.cluster)}` : '';
  logger.log(`TeamStream listening on ${url} (docs ${url}/api/docs), database: ${describeDatabase(config.database)}${cluster}`);
}

bootstrap().catch((err: unknown) => {
  console.error('TeamStream failed to start:', err);
  process.exit(1);
});
