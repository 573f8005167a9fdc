import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

type Component = { provider: string; config: Record<string, unknown> };

/** Every model client nested anywhere in a component tree. */
function modelProviders(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => modelProviders(v, found));
  else if (value && typeof value === 'object') {
    const c = value as Component & { component_type?: string };
    if (c.component_type === 'model') found.push(c.provider);
    Object.values(value).forEach((v) => modelProviders(v, found));
  }
  return found;
}

describe('settings and gallery REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates settings with defaults on first read, and saves a PUT', async () => {
    const first = await t.http.get('/api/settings/').query({ user_id: ALICE }).expect(200);
    expect(first.body.data).toMatchObject({
      user_id: ALICE,
      config: { environment: [], ui: { show_llm_call_events: false, human_input_timeout_minutes: 3 } },
    });
    expect(Number.isInteger(first.body.data.id)).toBe(true);
    const again = await t.http.get('/api/settings').query({ user_id: ALICE }).expect(200);
    expect(again.body.data.id).toBe(first.body.data.id);

    const row = { ...first.body.data, config: { ...first.body.data.config, ui: { ...first.body.data.config.ui, show_llm_call_events: true } } };
    const saved = await t.http.put('/api/settings/').send(row).expect(200);
    expect(saved.body.data).toMatchObject({ id: first.body.data.id, config: { ui: { show_llm_call_events: true } } });
    const bobs = await t.http.get('/api/settings/').query({ user_id: BOB }).expect(200);
    expect(bobs.body.data.config.ui.show_llm_call_events).toBe(false);
  });

  it('answers 400 naming the bad settings field', async () => {
    const res = await t.http
      .put('/api/settings/')
      .send({ user_id: ALICE, config: { ui: { human_input_timeout_minutes: 'soon' } } })
      .expect(400);
    expect(res.body.message).toMatch(/^config\.ui\.human_input_timeout_minutes: /);
  });

  it('gives a user with no gallery the default gallery, once, with the five demo teams on replay models', async () => {
    const [a, b] = await Promise.all([
      t.http.get('/api/gallery/').query({ user_id: ALICE }).expect(200),
      t.http.get('/api/gallery').query({ user_id: ALICE }).expect(200),
    ]);
    expect(a.body.data).toHaveLength(1);
    expect(b.body.data[0].id).toBe(a.body.data[0].id);
    const config = a.body.data[0].config;
    expect(config).toMatchObject({ name: expect.any(String), metadata: { author: expect.any(String), version: expect.any(String) } });
    expect(config.components.teams.map((c: { label: string }) => c.label)).toEqual([
      'Streaming assistant',
      'Weather chat',
      'Customer support',
      'Human in the loop',
      'Selector team',
    ]);
    for (const key of ['agents', 'models', 'tools', 'workbenches', 'terminations']) expect(config.components[key].length).toBeGreaterThan(0);
    expect(new Set(modelProviders(config.components.teams))).toEqual(new Set(['autogen_ext.models.replay.ReplayChatCompletionClient']));
    expect(config.components.tools.map((c: Component) => c.config.name)).toEqual([
      'weather_forecast',
      'calculator',
      'execute_order',
      'look_up_item',
      'execute_refund',
    ]);
  });

  it('reads, creates, updates and deletes galleries, scoped by user', async () => {
    const list = await t.http.get('/api/gallery/').query({ user_id: ALICE }).expect(200);
    const config = { ...list.body.data[0].config, name: 'My copy' };
    const created = await t.http.post('/api/gallery/').send({ user_id: ALICE, config }).expect(200);
    const id: number = created.body.data.id;
    expect(created.body.data.config.name).toBe('My copy');

    const got = await t.http.get(`/api/gallery/${id}`).query({ user_id: ALICE }).expect(200);
    expect(got.body.data.config.components.teams).toHaveLength(5);
    await t.http.get(`/api/gallery/${id}`).query({ user_id: BOB }).expect(404);

    const updated = await t.http
      .put(`/api/gallery/${id}/`)
      .query({ user_id: ALICE })
      .send({ user_id: ALICE, config: { ...config, name: 'Renamed' } })
      .expect(200);
    expect(updated.body.data).toMatchObject({ id, config: { name: 'Renamed' } });
    await t.http.put(`/api/gallery/${id}`).query({ user_id: BOB }).send({ config }).expect(404);

    const newest = await t.http.get('/api/gallery/').query({ user_id: ALICE }).expect(200);
    expect(newest.body.data[0].id).toBe(id);

    await t.http.delete(`/api/gallery/${id}`).query({ user_id: BOB }).expect(404);
    await t.http.delete(`/api/gallery/${id}`).query({ user_id: ALICE }).expect(200);
    await t.http.get(`/api/gallery/${id}`).query({ user_id: ALICE }).expect(404);
  });

  it('answers 400 naming the bad gallery field', async () => {
    const res = await t.http
      .post('/api/gallery/')
      .send({ user_id: ALICE, config: { name: 'x', components: { teams: [{ label: 'no provider', config: {} }] } } })
      .expect(400);
    expect(res.body.message).toMatch(/^config\.components\.teams\.0\.provider: /);
  });
});

describe('default gallery with OPENAI_API_KEY set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OPENAI_API_KEY: 'sk-test-not-real' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('uses gpt-4o-mini and never stores the key', async () => {
    const res = await t.http.get('/api/gallery/').query({ user_id: ALICE }).expect(200);
    const teams = res.body.data[0].config.components.teams;
    expect(new Set(modelProviders(teams))).toEqual(new Set(['autogen_ext.models.openai.OpenAIChatCompletionClient']));
    expect(JSON.stringify(res.body)).not.toContain('sk-test-not-real');
    const team = await t.http.get('/api/teams/').query({ user_id: ALICE }).expect(200);
    expect(modelProviders(team.body.data[0].component)).toContain('autogen_ext.models.openai.OpenAIChatCompletionClient');
  });
});
