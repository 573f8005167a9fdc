/**
 * The component editor's "Test" button: `POST /api/validate/test` with a model makes one short
 * real call (AGS's ComponentTestService.test_model: its prompt, under the request's timeout) and
 * reports the provider's error with `status: false`; never "passed" for a model with no key.
 * Agents answer the task once; tools and terminations are said plainly not to be test-run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_TEST_PROMPT } from '../src/validate/validate.service.js';
import { startAnthropicServer, type AnthropicServer } from './fakes/anthropic-server.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from './fakes/chat-completions-server.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Component = { provider: string; component_type: string; label?: string; config: Record<string, any> };
const gallery = JSON.parse(readFileSync(new URL('./fixtures/ags-default-gallery.json', import.meta.url), 'utf8')) as {
  components: Record<string, Component[]>;
};
const galleryModel = (label: string) => structuredClone(gallery.components.models!.find((m) => m.label === label)!);

describe('POST /api/validate/test with a model, agent, tool or termination', () => {
  let t: TestApp;
  let openai: ChatCompletionsServer | undefined;
  let anthropic: AnthropicServer | undefined;
  beforeAll(async () => {
    // No server keys at all: a model config without its own key must not pass.
    t = await startTestApp({ env: { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    await openai?.close();
    await anthropic?.close();
    openai = anthropic = undefined;
  });

  const test = (component: unknown, timeout = 20) => t.http.post('/api/validate/test').send({ component, timeout }).expect(200);

  it('POST /api/validate/ accepts every model of the AGS default gallery, the Claude entry included', async () => {
    for (const model of gallery.components.models!) {
      const res = await t.http.post('/api/validate/').send({ component: model }).expect(200);
      if (model.label === 'Mistral-7B Local') {
        // Its base_url is http://localhost:1234/v1: the egress policy refuses `localhost` unless the
        // operator allows it (EGRESS_ALLOW, README Security), and says so at the field.
        expect(res.body.errors[0]).toMatchObject({ field: 'config.base_url', error: expect.stringContaining('egress policy') });
        continue;
      }
      expect(res.body, model.label).toEqual({ is_valid: true, errors: [], warnings: [] });
    }
  });

  it('an OpenAI-compatible model answers one real call with AGS’s test prompt: status true and the response', async () => {
    openai = await startChatCompletionsServer([{ type: 'text', text: '4' }]);
    const model = galleryModel('Mistral-7B Local');
    model.config.base_url = openai.baseUrl;
    const res = await test(model);
    expect(res.body).toMatchObject({ status: true, message: 'Model test completed successfully', data: { content: '4', finish_reason: 'stop' } });
    expect(res.body.logs).toContain('Model responded with: 4');
    const sent = openai.requests[0]!.body.messages as { content: string }[];
    expect(sent.at(-1)!.content).toBe(MODEL_TEST_PROMPT);
  });

  it('reports the provider’s own error with status false', async () => {
    openai = await startChatCompletionsServer([{ type: 'error', status: 401, message: 'Incorrect API key provided: sk-bad' }]);
    const model = galleryModel('Mistral-7B Local');
    Object.assign(model.config, { base_url: openai.baseUrl, api_key: 'sk-bad', max_retries: 0 });
    const res = await test(model);
    expect(res.body.status).toBe(false);
    expect(res.body.message).toContain('HTTP 401: Incorrect API key provided');
  });

  it('never passes the gallery’s OpenAI or Claude model with no key anywhere', async () => {
    for (const label of ['OpenAI GPT-4o Mini', 'Anthropic Claude-3-7']) {
      const res = await test(galleryModel(label));
      expect(res.body.status, label).toBe(false);
      expect(res.body.message, label).toMatch(/No (OpenAI|Anthropic) API key/);
    }
  });

  it('tests the gallery’s Claude entry against a Messages API server: status true, then its error', async () => {
    anthropic = await startAnthropicServer([
      { type: 'text', text: '4', usage: { input_tokens: 9, output_tokens: 1 } },
      { type: 'error', status: 404, message: 'model: claude-nope', errorType: 'not_found_error' },
    ]);
    const model = galleryModel('Anthropic Claude-3-7');
    Object.assign(model.config, { base_url: anthropic.url, api_key: 'sk-ant-user', max_retries: 0 });
    const ok = await test(model);
    expect(ok.body).toMatchObject({ status: true, data: { content: '4', usage: { prompt_tokens: 9, completion_tokens: 1 } } });
    expect(anthropic.requests[0]!.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: MODEL_TEST_PROMPT }] }]);
    const failed = await test(model);
    expect(failed.body).toMatchObject({ status: false, message: expect.stringContaining('HTTP 404: model: claude-nope') });
  });

  it('a model that does not answer within the timeout fails, and its request is closed', async () => {
    let release!: () => void;
    openai = await startChatCompletionsServer([{ type: 'text', text: 'late', hold: new Promise<void>((r) => (release = r)) }]);
    const model = galleryModel('Mistral-7B Local');
    model.config.base_url = openai.baseUrl;
    const res = await test(model, 1);
    expect(res.body).toMatchObject({ status: false, message: 'Component test exceeded the 1s timeout' });
    await expect(openai.requests[0]!.outcome).resolves.toBe('closed-early');
    release();
  });

  it('an agent answers AGS’s task once, alone', async () => {
    openai = await startChatCompletionsServer([{ type: 'text', text: 'Ready.' }]);
    const agent = structuredClone(gallery.components.agents!.find((a) => a.label === 'AssistantAgent')!);
    Object.assign(agent.config.model_client.config, { base_url: openai.baseUrl, api_key: 'sk-user', max_retries: 0 });
    agent.config.workbench = [];
    const res = await test(agent);
    expect(res.body.status).toBe(true);
    expect(res.body.logs.some((line: string) => line.includes('Ready.'))).toBe(true);
  });

  it('a tool or a termination loads but says it is not test-run, with status false', async () => {
    for (const component of [gallery.components.tools![0], gallery.components.terminations![0]]) {
      const res = await test(component);
      expect(res.body.status, component!.label).toBe(false);
      expect(res.body.message, component!.label).toContain('not test-run');
    }
  });
});
