/**
 * AGS's per-user environment: settings.config.environment values are secrets (AGS keeps API
 * keys there under any name): redacted on read like every other secret, kept when sent back; and
 * they apply to that user's runs (AGS sets them in its process environment for the run; here each
 * run gets its own credentials, so users never see each other's keys and process.env is untouched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCaller } from '../../src/auth/caller.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { bearer, createRunAs, JWT_ENV, tokenFor } from '../support/auth.js';
import { RunViewer } from '../support/run-viewer.js';
import { GUEST } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
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
    // A variable sent with the marker but never stored (a renamed one: REGION became ZONE in the
    // page) has no value to keep: refused, naming it, and nothing is saved (never silently emptied).
    const renamed = [read.body.data.config.environment[0], { ...read.body.data.config.environment[1], name: 'ZONE' }];
    const refused = await t.http
      .put('/api/settings/')
      .send({ user_id: GUEST, config: { ...read.body.data.config, environment: renamed } })
      .expect(400);
    expect(refused.body.message).toBe('config.environment[1].value: ZONE has no stored value to keep (was it renamed?); enter its value');
    // The front-end saves what it read, plus a new variable: the stored values stay.
    const sentBack = [...read.body.data.config.environment, { name: 'NEW', value: 'fresh', type: 'string' }];
    await t.http
      .put('/api/settings/')
      .send({ user_id: GUEST, config: { ...read.body.data.config, environment: sentBack } })
      .expect(200);
    const stored = await t.app.get(SettingsService).get(userCaller(GUEST));
    expect((stored.config.environment as { name: string; value: string }[]).map((v) => [v.name, v.value])).toEqual([
      ['OPENAI_API_KEY', 'sk-live-123'],
      ['REGION', 'eu-west-1'],
      ['NEW', 'fresh'],
    ]);
  });
});

describe("a user's environment in that user's runs", () => {
  let t: TestApp;
  let serverModel: ChatCompletionsServer;
  let aliceModel: ChatCompletionsServer;
  let malloryModel: ChatCompletionsServer;
  const reply = () => [{ type: 'text' as const, text: 'Done. TERMINATE' }];

  beforeAll(async () => {
    [serverModel, aliceModel, malloryModel] = await Promise.all([
      startChatCompletionsServer(reply()),
      startChatCompletionsServer(reply()),
      startChatCompletionsServer(reply()),
    ]);
    t = await startTestApp({ env: { ...JWT_ENV, OPENAI_API_KEY: 'sk-server', OPENAI_BASE_URL: serverModel.baseUrl } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([serverModel, aliceModel, malloryModel].map((m) => m?.close()));
  });

  /** A team whose model client names no base_url and no key: where it goes and with which key is the credentials' choice. */
  function keylessTeam(): object {
    const team = openAiTeam('unused') as { config: { participants: { config: { model_client: { config: Record<string, unknown> } } }[] } };
    const client = team.config.participants[0]!.config.model_client.config;
    delete client.base_url;
    delete client.api_key;
    return team;
  }

  async function setEnvironment(user: string, environment: { name: string; value: string }[]): Promise<void> {
    await t.http
      .put('/api/settings/')
      .set(bearer(tokenFor(user)))
      .send({ config: { environment: environment.map((v) => ({ ...v, type: 'secret' })) } })
      .expect(200);
  }

  async function runAs(user: string): Promise<string> {
    const token = tokenFor(user);
    const { runId } = await createRunAs(t, token, keylessTeam());
    const viewer = await RunViewer.open(t.baseUrl, runId, { token });
    viewer.send({ type: 'start', task: 'Hi' });
    const terminal = await viewer.terminal();
    await viewer.close();
    return terminal.type;
  }

  it("sends the user's OPENAI_API_KEY to the user's OPENAI_BASE_URL, and other users keep the server's", async () => {
    await setEnvironment('alice', [
      { name: 'OPENAI_API_KEY', value: 'sk-alice' },
      { name: 'OPENAI_BASE_URL', value: aliceModel.baseUrl },
    ]);
    expect(await runAs('alice')).toBe('result');
    expect(aliceModel.requests).toHaveLength(1);
    expect(aliceModel.requests[0]!.headers.authorization).toBe('Bearer sk-alice');
    expect(serverModel.requests).toHaveLength(0);

    expect(await runAs('bob')).toBe('result');
    expect(serverModel.requests).toHaveLength(1);
    expect(serverModel.requests[0]!.headers.authorization).toBe('Bearer sk-server');
    // Applied per run, never to the process (AGS's global mutation races between users).
    expect(process.env.OPENAI_API_KEY).toBeUndefined();
    expect(process.env.OPENAI_BASE_URL).toBeUndefined();
  });

  it("never sends the server's key to a base URL a user set", async () => {
    await setEnvironment('mallory', [{ name: 'OPENAI_BASE_URL', value: malloryModel.baseUrl }]);
    expect(await runAs('mallory')).toBe('result');
    expect(malloryModel.requests).toHaveLength(1);
    expect(malloryModel.requests[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(malloryModel.requests[0]!.headers)).not.toContain('sk-server');
  });

  it("applies to the user's /chat/completions conversations too (the gallery team's model client names no key)", async () => {
    await setEnvironment('erin', [
      { name: 'OPENAI_API_KEY', value: 'sk-erin' },
      { name: 'OPENAI_BASE_URL', value: aliceModel.baseUrl },
    ]);
    const seen = aliceModel.requests.length;
    aliceModel.push(...reply());
    await t.http
      .post('/chat/completions')
      .set(bearer(tokenFor('erin')))
      .send({ message: 'Hi', conversation_id: 'erin-1' })
      .expect(200);
    const request = await aliceModel.waitForRequest(seen, 20_000);
    expect(request.headers.authorization).toBe('Bearer sk-erin');
  });

  it("applies to the user's POST /api/validate/test runs", async () => {
    await setEnvironment('frank', [
      { name: 'OPENAI_API_KEY', value: 'sk-frank' },
      { name: 'OPENAI_BASE_URL', value: aliceModel.baseUrl },
    ]);
    const seen = aliceModel.requests.length;
    aliceModel.push(...reply());
    const res = await t.http
      .post('/api/validate/test')
      .set(bearer(tokenFor('frank')))
      .send({ component: keylessTeam(), timeout: 30 })
      .expect(200);
    expect(res.body.status).toBe(true);
    expect((await aliceModel.waitForRequest(seen, 20_000)).headers.authorization).toBe('Bearer sk-frank');
  });

  it("keeps a user's endpoint under the egress policy: a private address not in EGRESS_ALLOW is refused when saved", async () => {
    const res = await t.http
      .put('/api/settings/')
      .set(bearer(tokenFor('grace')))
      .send({
        config: {
          environment: [
            { name: 'OPENAI_API_KEY', value: 'sk-grace', type: 'secret' },
            { name: 'OPENAI_BASE_URL', value: 'http://10.1.2.3/v1', type: 'secret' },
          ],
        },
      })
      .expect(400);
    expect(res.body.message).toMatch(/config\.environment\[1\]\.value: OPENAI_BASE_URL is refused by the egress policy.*EGRESS_ALLOW/);
  });

  it('a change to the environment applies to the next run', async () => {
    await setEnvironment('alice', [
      { name: 'OPENAI_API_KEY', value: 'sk-alice-2' },
      { name: 'OPENAI_BASE_URL', value: aliceModel.baseUrl },
    ]);
    aliceModel.push(...reply());
    expect(await runAs('alice')).toBe('result');
    expect(aliceModel.requests.at(-1)!.headers.authorization).toBe('Bearer sk-alice-2');
  });
});
