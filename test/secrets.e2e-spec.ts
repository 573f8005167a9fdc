/**
 * Secrets in stored configs never leave the service (issue 6): `api_key` and friends read as a
 * marker, a save that sends the marker back keeps the stored key, and a run started with the
 * redacted team (as the AGS front-end does) still calls the model with the real key.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { SECRET_MARKER } from '../src/common/secrets.js';
import { keyIdOf } from '../src/common/secrets-crypto.js';
import { GalleryEntity } from '../src/gallery/gallery.entity.js';
import { SettingsEntity } from '../src/settings/settings.entity.js';
import { SettingsService } from '../src/settings/settings.service.js';
import { TeamEntity } from '../src/teams/team.entity.js';
import { TeamsService } from '../src/teams/teams.service.js';
import { userCaller } from '../src/auth/caller.js';
import { type ChatCompletionsServer, startChatCompletionsServer } from './fakes/chat-completions-server.js';
import { bearer, JWT_ENV, tokenFor } from './support/auth.js';
import { RunViewer } from './support/run-viewer.js';
import { openAiTeam } from './support/teams.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

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

/**
 * Secrets at rest (issue 14, SECRETS_KEY): the settings environment and the keys inside stored
 * team configs are AES-256-GCM ciphertext in the database, read back decrypted for the run and
 * redacted for the client; a wrong or missing key stops the server at start, naming SECRETS_KEY.
 */
describe('secrets at rest with SECRETS_KEY', () => {
  const SECRETS_KEY = randomBytes(32).toString('base64');
  const auth = bearer(tokenFor('carol'));
  let database: TestDatabase;
  let t: TestApp | undefined;
  let model: ChatCompletionsServer | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await model?.close();
    model = undefined;
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rawRows = async (app: TestApp): Promise<string> => {
    const db = app.app.get(DataSource);
    const teams: unknown[] = await db.getRepository(TeamEntity).createQueryBuilder('t').select('t.component', 'c').getRawMany();
    const settings: unknown[] = await db.getRepository(SettingsEntity).createQueryBuilder('s').select('s.config', 'c').getRawMany();
    return JSON.stringify([teams, settings]);
  };

  it('stores no plaintext key, and a run and the settings environment still use them', async () => {
    // A row written before SECRETS_KEY was set: it must still read once the key is set.
    const plain = await startTestApp({ env: JWT_ENV, database });
    const before = await plain.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam('http://127.0.0.1:9/v1'), 'sk-plain-old') })
      .expect(200);
    await plain.close();

    model = await startChatCompletionsServer([{ type: 'text', text: 'Done. TERMINATE' }]);
    t = await startTestApp({ env: { ...JWT_ENV, SECRETS_KEY }, database });
    const old = await t.app.get(DataSource).getRepository(TeamEntity).findOneByOrFail({ id: before.body.data.id });
    expect(keyOf(old.component)).toBe('sk-plain-old'); // never re-written: still plain, still readable
    const created = await t.http
      .post('/api/teams/')
      .set(auth)
      .send({ component: withKey(openAiTeam(model.baseUrl), KEY) })
      .expect(200);
    expect(keyOf(created.body.data.component)).toBe(SECRET_MARKER);
    await t.http
      .put('/api/settings/')
      .set(auth)
      .send({
        config: {
          environment: [{ name: 'OPENAI_API_KEY', value: 'sk-env-carol', type: 'secret' }],
          default_model_client: {
            provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
            config: { model: 'gpt-4o', api_key: 'sk-settings-model' },
          },
        },
      })
      .expect(200);

    const raw = await rawRows(t);
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain('sk-env-carol');
    expect(raw).not.toContain('sk-settings-model');
    expect(raw).toContain('enc:v1:');

    const session = await t.http.post('/api/sessions/').set(auth).send({ team_id: created.body.data.id, name: 's' }).expect(200);
    const run = await t.http.post('/api/runs/').set(auth).send({ session_id: session.body.data.id }).expect(200);
    const viewer = await RunViewer.open(t.baseUrl, run.body.data.run_id, { token: tokenFor('carol') });
    viewer.send({ type: 'start', task: 'Hi' });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const settings = await t.http.get('/api/settings/').set(auth).expect(200);
    expect(settings.body.data.config.environment[0].value).toBe(SECRET_MARKER);
    expect(settings.body.data.config.default_model_client.config.api_key).toBe(SECRET_MARKER);
    // Decrypted below the API, for runs.
    expect((await t.app.get(SettingsService).runSettingsOf('carol')).environment).toEqual({ OPENAI_API_KEY: 'sk-env-carol' });
  });

  it('refuses to start with a wrong or missing SECRETS_KEY, naming it; reads with SECRETS_KEY_PREVIOUS while rotating', async () => {
    const wrong = randomBytes(32).toString('base64');
    await expect(startTestApp({ env: { ...JWT_ENV, SECRETS_KEY: wrong }, database })).rejects.toThrow(
      /encrypted with key \w+, but SECRETS_KEY is key/,
    );
    await expect(startTestApp({ env: JWT_ENV, database })).rejects.toThrow(/encrypted \(key \w+\) but SECRETS_KEY is not set/);

    t = await startTestApp({ env: { ...JWT_ENV, SECRETS_KEY: wrong, SECRETS_KEY_PREVIOUS: SECRETS_KEY }, database });
    const teams = await t.http.get('/api/teams/').set(auth).expect(200);
    const team = teams.body.data.find(
      (row: Json) => row.component.config.participants[0].config.model_client.config.base_url !== 'http://127.0.0.1:9/v1',
    );
    // Saved again: written with the new key, so the previous one can then be dropped.
    await t.http.post('/api/teams/').set(auth).send({ id: team.id, component: team.component }).expect(200);
    const stored = await t.app.get(TeamsService).get(team.id, userCaller('carol'));
    expect(keyOf(stored.component)).toBe(KEY);
    expect(await rawRows(t)).toContain(`enc:v1:${keyIdOf(Buffer.from(wrong, 'base64'))}:`);
  });
});
