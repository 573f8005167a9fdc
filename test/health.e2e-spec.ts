import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { ShutdownState } from '../src/health/shutdown-state.js';
import { createPostgresDatabase, findPostgres } from './support/postgres.js';
import { findRedis, uniqueKeyPrefix } from './support/redis.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('version, health, auth type, docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /api/version answers the version in the envelope', async () => {
    const res = await t.http.get('/api/version').expect(200);
    expect(res.body).toEqual({ status: true, data: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) }, message: 'Version retrieved successfully' });
  });

  it('GET /api/health answers the envelope with a message and no data', async () => {
    const res = await t.http.get('/api/health').expect(200);
    expect(res.body).toEqual({ status: true, message: 'Service is healthy' });
  });

  it('GET /api/auth/type is not enveloped', async () => {
    const res = await t.http.get('/api/auth/type').expect(200);
    expect(res.body).toEqual({ type: 'none', exclude_paths: expect.any(Array) });
  });

  it('an unknown route gets the error envelope with 404', async () => {
    const res = await t.http.get('/api/nope').expect(404);
    expect(res.body).toEqual({ status: false, message: expect.any(String), detail: res.body.message });
  });

  it('serves the OpenAPI document with the request schemas of the routes', async () => {
    const res = await t.http.get('/api/docs-json').expect(200);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/api/teams',
      '/api/teams/{id}',
      '/api/sessions',
      '/api/sessions/{id}/runs',
      '/api/runs',
      '/api/runs/{id}/messages',
      '/api/settings',
      '/api/gallery/{id}',
      '/api/version',
      '/api/health',
      '/api/auth/type',
    ]) {
      expect(paths).toContain(p);
    }
    const body = res.body.paths['/api/sessions'].post.requestBody.content['application/json'].schema;
    const resolved = body.$ref ? res.body.components.schemas[body.$ref.split('/').pop()] : body;
    expect(resolved.properties).toHaveProperty('team_id');
    await t.http.get('/api/docs').expect(200);
  });
});

describe('liveness and readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /api/health/live answers 200 without checking anything', async () => {
    const res = await t.http.get('/api/health/live').expect(200);
    expect(res.body).toEqual({ status: true, message: 'Service is live' });
  });

  it('GET /api/health/ready answers 200 with each check ok while the database answers', async () => {
    const res = await t.http.get('/api/health/ready').expect(200);
    expect(res.body).toEqual({ status: true, message: 'Service is ready', data: { checks: { database: 'ok', shutdown: 'ok' } } });
  });

  it('both are in the OpenAPI document', async () => {
    const res = await t.http.get('/api/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/health/live', '/api/health/ready']));
  });

  it('once shutdown has begun (the first shutdown hook), ready answers 503 naming why, and live stays 200', async () => {
    // onModuleDestroy is the hook Nest runs first on SIGTERM or app.close(), before runs are drained.
    t.app.get(ShutdownState).onModuleDestroy();
    const res = await t.http.get('/api/health/ready').expect(503);
    expect(res.body).toEqual({ status: false, message: 'Service is not ready', data: { checks: { database: 'ok', shutdown: 'shutting down' } } });
    await t.http.get('/api/health/live').expect(200);
  });
});

describe('readiness when the database is gone', () => {
  it('answers 503 naming the database', async () => {
    const t = await startTestApp();
    try {
      await t.app.get(DataSource).destroy();
      const res = await t.http.get('/api/health/ready').expect(503);
      expect(res.body.data.checks).toEqual({ database: 'not connected', shutdown: 'ok' });
    } finally {
      await t.close().catch(() => t.database.drop());
    }
  });
});

describe('readiness in cluster mode (CLUSTER=redis): Redis is checked too', async () => {
  const postgresUrl = await findPostgres();
  const redisUrl = await findRedis();
  const clusterApp = async (redis: string) => {
    const database = await createPostgresDatabase(postgresUrl!);
    const env = { CLUSTER: 'redis', DATABASE_URL: postgresUrl!, REDIS_URL: redis, REDIS_KEY_PREFIX: uniqueKeyPrefix() };
    const t = await startTestApp({ env, database });
    return { t, close: () => t.close().finally(() => database.drop()) };
  };

  it.skipIf(!postgresUrl || !redisUrl)('answers 200 with a `redis: ok` check while Redis answers', async () => {
    const { t, close } = await clusterApp(redisUrl!);
    try {
      const res = await t.http.get('/api/health/ready').expect(200);
      expect(res.body.data.checks).toEqual({ database: 'ok', shutdown: 'ok', redis: 'ok' });
    } finally {
      await close();
    }
  });

  it.skipIf(!postgresUrl || !redisUrl)('answers 503 naming Redis when it does not answer', async () => {
    // A port nothing listens on: connections are refused at once.
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const { t, close } = await clusterApp(`redis://127.0.0.1:${closedPort}`);
    try {
      const res = await t.http.get('/api/health/ready').expect(503);
      // The operator's words: which setting, which address, the connection's state (not ioredis's retry counter).
      const redis = expect.stringMatching(
        new RegExp(`^(unreachable: REDIS_URL redis://127\\.0\\.0\\.1:${closedPort} \\(connection \\w+\\)|no answer within)`),
      );
      expect(res.body.data.checks).toEqual({ database: 'ok', shutdown: 'ok', redis });
    } finally {
      await close();
    }
  });
});
