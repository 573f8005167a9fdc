/**
 * Secrets in stored configs never leave the service (issue 6): `api_key` and friends read as a
 * marker, a save that sends the marker back keeps the stored key, and a run started with the
 * redacted team (as the AGS front-end does) still calls the model with the real key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { SECRET_MARKER } from '../src/common/secrets.js';
import { GalleryEntity } from '../src/gallery/gallery.entity.js';
import { SettingsEntity } from '../src/settings/settings.entity.js';
import { TeamEntity } from '../src/teams/team.entity.js';
import { type ChatCompletionsServer, startChatCompletionsServer } from './fakes/chat-completions-server.js';
import { bearer, JWT_ENV, tokenFor } from './support/auth.js';
import { RunViewer } from './support/run-viewer.js';
import { openAiTeam } from './support/teams.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Json = Record<string, any>;
const KEY = 'sk-stored-secret-123';

function withKey(team: Json, key: string): Json {
  const copy = structuredClone(team);
  copy.config.participants[0].config.model_client.config.api_key = key;
  return copy;
}
const keyOf = (team: Json): unknown => team.config.participants[0].config.model_client.config.api_key;

describe('secrets in stored configs', () => {
  let t: TestApp;
  let model: ChatCompletionsServer | undefined;
  const auth = bearer(tokenFor('alice'));

  beforeAll(async () => {
    t = await startTestApp({ env: JWT_ENV });
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reads api_key as the marker in the saved row, the team and the list', async () => {
    const saved = await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam('http://127.0.0.1:9/v1'), KEY) })
      .expect(200);
    expect(keyOf(saved.body.data.component)).toBe(SECRET_MARKER);
    const one = await t.http.get(`/api/teams/${saved.body.data.id}`).set(auth).expect(200);
    const list = await t.http.get('/api/teams/').set(auth).expect(200);
    expect(keyOf(one.body.data.component)).toBe(SECRET_MARKER);
    expect(JSON.stringify(list.body)).not.toContain(KEY);
  });

  it('keeps the stored key when the marker is saved back, and a run with the redacted team uses it', async () => {
    model = await startChatCompletionsServer([{ type: 'text', text: 'Done. TERMINATE' }]);
    const created = await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam(model.baseUrl), KEY) })
      .expect(200);
    const readBack = (await t.http.get(`/api/teams/${created.body.data.id}`).set(auth).expect(200)).body.data.component;
    readBack.label = 'Renamed';
    const resaved = await t.http.post('/api/teams/').set(auth).send({ id: created.body.data.id, component: readBack }).expect(200);
    expect(resaved.body.data.component.label).toBe('Renamed');

    const session = await t.http.post('/api/sessions/').set(auth).send({ team_id: created.body.data.id, name: 's' }).expect(200);
    const run = await t.http.post('/api/runs/').set(auth).send({ session_id: session.body.data.id }).expect(200);
    const viewer = await RunViewer.open(t.baseUrl, run.body.data.run_id, { token: tokenFor('alice') });
    viewer.send({ type: 'start', task: 'Hi', team_config: readBack });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('saves a new key sent in place of the marker', async () => {
    model = await startChatCompletionsServer([{ type: 'text', text: 'Done. TERMINATE' }]);
    const created = await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam(model.baseUrl), KEY) })
      .expect(200);
    await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ id: created.body.data.id, component: withKey(openAiTeam(model.baseUrl), 'sk-new') })
      .expect(200);
    const session = await t.http.post('/api/sessions/').set(auth).send({ team_id: created.body.data.id, name: 's' }).expect(200);
    const run = await t.http.post('/api/runs/').set(auth).send({ session_id: session.body.data.id }).expect(200);
    const viewer = await RunViewer.open(t.baseUrl, run.body.data.run_id, { token: tokenFor('alice') });
    viewer.send({ type: 'start', task: 'Hi' }); // no team_config: the session's stored team runs
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
    expect(model.requests[0]!.headers.authorization).toBe('Bearer sk-new');
  });

  it('redacts settings and galleries on read and keeps their secrets on save', async () => {
    const modelClient = { provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient', config: { model: 'gpt-4o', api_key: KEY } };
    const settings = (await t.http.get('/api/settings/').set(auth).expect(200)).body.data;
    const put = await t.http
      .put('/api/settings/')
      .set(auth)
      .send({ ...settings, config: { ...settings.config, default_model_client: modelClient } })
      .expect(200);
    expect(put.body.data.config.default_model_client.config.api_key).toBe(SECRET_MARKER);
    const again = await t.http.put('/api/settings/').set(auth).send(put.body.data).expect(200);
    expect(JSON.stringify(again.body)).not.toContain(KEY);

    const gallery = (await t.http.get('/api/gallery/').set(auth).expect(200)).body.data[0];
    gallery.config.components.models.push(modelClient);
    const updated = await t.http.put(`/api/gallery/${gallery.id}`).set(auth).send({ config: gallery.config }).expect(200);
    expect(updated.body.data.config.components.models.at(-1).config.api_key).toBe(SECRET_MARKER);
    await t.http.put(`/api/gallery/${gallery.id}`).set(auth).send({ config: updated.body.data.config }).expect(200);

    // Below the API, what is stored is still the real key.
    const db = t.app.get(DataSource);
    const storedSettings = await db.getRepository(SettingsEntity).findOneByOrFail({ user_id: 'alice' });
    expect((storedSettings.config as Json).default_model_client.config.api_key).toBe(KEY);
    const storedGallery = await db.getRepository(GalleryEntity).findOneByOrFail({ id: gallery.id });
    expect((storedGallery.config as Json).components.models.at(-1).config.api_key).toBe(KEY);
  });

  it('drops a marker with nothing stored behind it rather than saving it as a key', async () => {
    const created = await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam('http://127.0.0.1:9/v1'), SECRET_MARKER) })
      .expect(200);
    const stored = await t.app.get(DataSource).getRepository(TeamEntity).findOneByOrFail({ id: created.body.data.id });
    expect(keyOf(stored.component)).toBeUndefined();
  });
});
