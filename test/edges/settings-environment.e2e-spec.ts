/**
 * Security issue part 5, last point: settings.config.environment values are secrets (AGS keeps
 * API keys there under any name): redacted on read like every other secret, kept when sent back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCaller } from '../../src/auth/caller.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import { GUEST } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('settings environment variables', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('redacts settings.config.environment values on read and keeps them when sent back', async () => {
    const environment = [
      { name: 'OPENAI_API_KEY', value: 'sk-live-123', type: 'secret', description: '' },
      { name: 'REGION', value: 'eu-west-1', type: 'string', description: '' },
    ];
    const put = await t.http.put('/api/settings/').send({ user_id: GUEST, config: { environment } }).expect(200);
    expect(put.body.data.config.environment.map((v: { value: string }) => v.value)).toEqual(['********', '********']);
    const read = await t.http.get('/api/settings/').query({ user_id: GUEST }).expect(200);
    expect(JSON.stringify(read.body)).not.toMatch(/sk-live-123|eu-west-1/);
    // The front-end saves what it read, plus a new variable: the stored values stay.
    const sentBack = [...read.body.data.config.environment, { name: 'NEW', value: 'fresh', type: 'string' }, { name: 'GONE', value: '********' }];
    await t.http
      .put('/api/settings/')
      .send({ user_id: GUEST, config: { ...read.body.data.config, environment: sentBack } })
      .expect(200);
    const stored = await t.app.get(SettingsService).get(userCaller(GUEST));
    expect((stored.config.environment as { name: string; value: string }[]).map((v) => [v.name, v.value])).toEqual([
      ['OPENAI_API_KEY', 'sk-live-123'],
      ['REGION', 'eu-west-1'],
      ['NEW', 'fresh'],
      ['GONE', ''],
    ]);
  });
});
