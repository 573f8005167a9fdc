/**
 * A user's credentials in `settings.config.environment` (AGS's per-user environment), where they
 * go and when they are refused:
 * - a stored key sent back redacted is not restored when the endpoint variable it is bound to
 *   changed (as restoreSecrets does for `api_key` beside `base_url` in team configs);
 * - a user's key with no endpoint variable of their own replaces the server's key at the endpoint
 *   the server uses for that kind (AGS: the user's OPENAI_API_KEY is in the environment the
 *   OpenAI client reads, next to the operator's OPENAI_BASE_URL);
 * - endpoint variables are checked when saved (400 naming `config.environment[i].value`);
 * - `POST /api/validate/test` with a model uses the caller's environment and a live-run slot.
 */
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsEntity } from '../../src/settings/settings.entity.js';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { bearer, createRunAs, JWT_ENV, tokenFor } from '../support/auth.js';
import { RunViewer } from '../support/run-viewer.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const reply = () => ({ type: 'text' as const, text: 'Done. TERMINATE' });

/** A team whose model client names no base_url and no key: the credentials choose both. */
function keylessTeam(): object {
  const team = openAiTeam('unused') as { config: { participants: { config: { model_client: { config: Record<string, unknown> } } }[] } };
  const client = team.config.participants[0]!.config.model_client.config;
  delete client.base_url;
  delete client.api_key;
  return team;
}

function keylessModel(): object {
  const team = keylessTeam() as { config: { participants: { config: { model_client: object } }[] } };
  return team.config.participants[0]!.config.model_client;
}

type Variable = { name: string; value: string };

describe('settings credentials', () => {
  let t: TestApp;
  let serverModel: ChatCompletionsServer;
  let a: ChatCompletionsServer;
  let b: ChatCompletionsServer;

  beforeAll(async () => {
    [serverModel, a, b] = await Promise.all([startChatCompletionsServer([]), startChatCompletionsServer([]), startChatCompletionsServer([])]);
    t = await startTestApp({
      env: { ...JWT_ENV, OPENAI_API_KEY: 'sk-server', OPENAI_BASE_URL: serverModel.baseUrl, MAX_LIVE_RUNS_PER_USER: '1' },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all([serverModel, a, b].map((m) => m?.close()));
  });

  const put = (user: string, environment: Variable[]) =>
    t.http
      .put('/api/settings/')
      .set(bearer(tokenFor(user)))
      .send({ config: { environment: environment.map((v) => ({ ...v, type: 'secret' })) } });

  async function runAs(user: string): Promise<Record<string, unknown>> {
    const token = tokenFor(user);
    const { runId } = await createRunAs(t, token, keylessTeam());
    const viewer = await RunViewer.open(t.baseUrl, runId, { token });
    viewer.send({ type: 'start', task: 'Hi' });
    const terminal = await viewer.terminal();
    await viewer.close();
    return terminal as Record<string, unknown>;
  }

  it('drops a stored OPENAI_API_KEY sent back redacted when OPENAI_BASE_URL changed; it never reaches the new endpoint', async () => {
    await put('bob', [
      { name: 'OPENAI_API_KEY', value: 'bob-K1-secret' },
      { name: 'OPENAI_BASE_URL', value: a.baseUrl },
    ]).expect(200);
    const answer = await put('bob', [
      { name: 'OPENAI_API_KEY', value: '********' },
      { name: 'OPENAI_BASE_URL', value: b.baseUrl },
    ]).expect(200);
    // The answer shows the key gone, so the user sees it must be typed again.
    expect(answer.body.data.config.environment.map((v: Variable) => v.name)).toEqual(['OPENAI_BASE_URL']);
    const read = await t.http
      .get('/api/settings/')
      .set(bearer(tokenFor('bob')))
      .expect(200);
    expect(read.body.data.config.environment.map((v: Variable) => v.name)).toEqual(['OPENAI_BASE_URL']);

    b.push(reply());
    expect((await runAs('bob')).type).toBe('result');
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(b.requests[0]!.headers)).not.toMatch(/bob-K1-secret|sk-server/);
  });

  it('drops a redacted key when its endpoint variable is added or removed, and keeps it when the endpoint is sent back unchanged', async () => {
    await put('carol', [{ name: 'ANTHROPIC_API_KEY', value: 'an-carol' }]).expect(200);
    const added = await put('carol', [
      { name: 'ANTHROPIC_API_KEY', value: '********' },
      { name: 'ANTHROPIC_BASE_URL', value: a.baseUrl },
    ]).expect(200);
    expect(added.body.data.config.environment.map((v: Variable) => v.name)).toEqual(['ANTHROPIC_BASE_URL']);

    await put('carol', [
      { name: 'AZURE_OPENAI_API_KEY', value: 'az-carol' },
      { name: 'AZURE_OPENAI_ENDPOINT', value: a.baseUrl },
      { name: 'OPENAI_API_KEY', value: 'sk-carol' },
      { name: 'OPENAI_BASE_URL', value: a.baseUrl },
    ]).expect(200);
    // Endpoints sent back as read (redacted): unchanged, the keys stay; Azure's endpoint removed: its key goes.
    const removed = await put('carol', [
      { name: 'AZURE_OPENAI_API_KEY', value: '********' },
      { name: 'OPENAI_API_KEY', value: '********' },
      { name: 'OPENAI_BASE_URL', value: '********' },
    ]).expect(200);
    expect(removed.body.data.config.environment.map((v: Variable) => v.name)).toEqual(['OPENAI_API_KEY', 'OPENAI_BASE_URL']);
    a.push(reply());
    expect((await runAs('carol')).type).toBe('result');
    expect(a.requests.at(-1)!.headers.authorization).toBe('Bearer sk-carol');
  });

  it("a user's OPENAI_API_KEY alone replaces the server's key at the operator's OPENAI_BASE_URL", async () => {
    await put('dave', [{ name: 'OPENAI_API_KEY', value: 'sk-dave' }]).expect(200);
    const seen = serverModel.requests.length;
    serverModel.push(reply());
    expect((await runAs('dave')).type).toBe('result');
    expect(serverModel.requests).toHaveLength(seen + 1);
    expect(serverModel.requests.at(-1)!.headers.authorization).toBe('Bearer sk-dave');
  });

  it('refuses endpoint variables that are not http(s) URLs or that the egress policy refuses outright, naming the setting', async () => {
    for (const [value, why] of [
      ['not a url', /is not a URL/],
      ['file:///etc/passwd', /scheme file: is not allowed/],
      ['http://169.254.169.254/', /egress policy: 169\.254\.169\.254 is a/],
    ] as const) {
      const res = await put('erin', [
        { name: 'REGION', value: 'eu' },
        { name: 'OPENAI_BASE_URL', value },
      ]).expect(400);
      expect(res.body.message ?? res.body.detail, value).toMatch(/config\.environment\[1\]\.value: OPENAI_BASE_URL/);
      expect(res.body.message ?? res.body.detail, value).toMatch(why);
    }
    // Nothing was saved.
    const read = await t.http
      .get('/api/settings/')
      .set(bearer(tokenFor('erin')))
      .expect(200);
    expect(read.body.data.config.environment).toEqual([]);
    // An unknown variable is not an endpoint: any value is kept.
    await put('erin', [{ name: 'MY_URL', value: 'not a url' }]).expect(200);
  });

  it('a run whose user has a refused endpoint variable stored (saved before the check) fails naming the setting', async () => {
    await put('grace', [{ name: 'OPENAI_API_KEY', value: 'sk-grace' }]).expect(200);
    // As a row saved before settings were checked (or before EGRESS_ALLOW changed) holds it.
    await t.app
      .get(DataSource)
      .manager.update(
        SettingsEntity,
        { user_id: 'grace' },
        { config: { environment: [{ name: 'OPENAI_BASE_URL', value: 'http://169.254.169.254/' }] } },
      );
    const terminal = await runAs('grace');
    expect(terminal).toMatchObject({ type: 'completion', status: 'error' });
    const text = JSON.stringify(terminal);
    expect(text).toMatch(/settings' environment variable OPENAI_BASE_URL is refused by the egress policy/);
    expect(text).not.toContain('model_client.config.base_url');
  });

  it("POST /api/validate/test with a model uses the caller's environment and takes one of their live-run slots", async () => {
    await put('frank', [
      { name: 'OPENAI_API_KEY', value: 'sk-frank' },
      { name: 'OPENAI_BASE_URL', value: a.baseUrl },
    ]).expect(200);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const seen = a.requests.length;
    a.push({ type: 'text', text: '4', hold });
    const first = t.http
      .post('/api/validate/test')
      .set(bearer(tokenFor('frank')))
      .send({ component: keylessModel(), timeout: 30 })
      .then((r) => r);
    const request = await a.waitForRequest(seen, 20_000);
    expect(request.headers.authorization).toBe('Bearer sk-frank');
    // MAX_LIVE_RUNS_PER_USER is 1 and the model test holds it.
    const second = await t.http
      .post('/api/validate/test')
      .set(bearer(tokenFor('frank')))
      .send({ component: keylessModel(), timeout: 30 });
    expect(second.status).toBe(429);
    expect(JSON.stringify(second.body)).toMatch(/MAX_LIVE_RUNS_PER_USER/);
    release();
    const res = await first;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: true, message: 'Model test completed successfully' });
  });
});
