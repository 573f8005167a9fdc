import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
