/**
 * Cost (issue #17 §5): a run against an OpenAI-compatible model server whose reported model has a
 * price carries `models_usage.cost` (USD) on each model-made message, the run's cost in the result
 * frame's TeamResult as AG2's run completion reports it (`cost.usage_including_cached_inference.
 * total_cost` and per model), the same in GET /api/runs/:id, and in /metrics. A model without a
 * price shows usage without any cost field. MODEL_PRICES_FILE extends the table; a bad one stops
 * the start naming the file and the entry.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** AgentChat's default AssistantAgent system message (the second reply says TERMINATE). */
const SYSTEM = 'You are a helpful AI assistant. Solve tasks using your tools. Reply with TERMINATE when the task has been completed.';

/** A price file with one local model at $1 / $2 per million tokens. */
function priceFile(content: object | string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cost-e2e-')), 'prices.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('cost of a run (models_usage.cost, TeamResult.cost, GET /api/runs/:id, /metrics)', () => {
  let t: TestApp;
  const fakes: ChatCompletionsServer[] = [];
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS: 'on', MODEL_PRICES_FILE: priceFile({ models: { 'house-model': { input: 1, output: 2 } } }) } });
  });
  afterAll(async () => {
    for (const fake of fakes) await fake.close();
    await t?.close();
  });

  /** Runs the OpenAI assistant team with `model` against a fake answering twice; the frames and the terminal. */
  async function run(model: string): Promise<{ runId: number; frames: Frame[]; terminal: Frame }> {
    const fake = await startChatCompletionsServer([
      { type: 'text', text: 'Working on it.', usage: { prompt_tokens: 1000, completion_tokens: 500 } },
      { type: 'text', text: 'All done. TERMINATE', usage: { prompt_tokens: 2000, completion_tokens: 1000 } },
    ]);
    fakes.push(fake);
    const team = openAiTeam(fake.baseUrl, { maxRetries: 0 });
    const agent = team.config.participants[0].config;
    agent.system_message = SYSTEM;
    agent.model_client.config.model = model;
    agent.model_client.config.model_info = { vision: false, function_calling: true, json_output: true, family: 'unknown' };
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Say done', team_config: team });
      const terminal = await viewer.terminal(20_000);
      return { runId, frames: viewer.frames, terminal };
    } finally {
      await viewer.close();
    }
  }

  const modelMessages = (frames: Frame[]) => frames.filter((f) => f.type === 'message' && f.data.models_usage).map((f) => f.data);

  it('a dated snapshot of a known model (gpt-4o-mini, $0.15 / $0.60 per 1M): cost per message, per run, stored, counted', async () => {
    const { runId, frames, terminal } = await run('gpt-4o-mini-2024-07-18');
    expect(terminal.type).toBe('result');
    // 1000 × 0.15e-6 + 500 × 0.6e-6 = 0.00045; 2000 × 0.15e-6 + 1000 × 0.6e-6 = 0.0009
    expect(modelMessages(frames).map((m) => m.models_usage)).toEqual([
      { prompt_tokens: 1000, completion_tokens: 500, cost: 0.00045 },
      { prompt_tokens: 2000, completion_tokens: 1000, cost: 0.0009 },
    ]);
    const perModel = { 'gpt-4o-mini-2024-07-18': { cost: 0.00135, prompt_tokens: 3000, completion_tokens: 1500, total_tokens: 4500 } };
    const cost = {
      usage_including_cached_inference: { total_cost: 0.00135, ...perModel },
      usage_excluding_cached_inference: { total_cost: 0.00135, ...perModel },
    };
    expect(terminal.data.usage).toEqual({ prompt_tokens: 3000, completion_tokens: 1500 });
    expect(terminal.data.cost).toEqual(cost);
    // The TaskResult's messages are the ones viewers saw, cost included.
    expect(terminal.data.task_result.messages.filter((m: Frame) => m.models_usage).map((m: Frame) => m.models_usage.cost)).toEqual([0.00045, 0.0009]);

    const row = (await t.http.get(`/api/runs/${runId}`).expect(200)).body.data;
    expect(row.team_result.cost).toEqual(cost);
    const replay = await RunViewer.open(t.baseUrl, runId);
    await replay.waitClosed();
    expect(modelMessages(replay.frames).map((m) => m.models_usage.cost)).toEqual([0.00045, 0.0009]);

    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toContain('# TYPE teamstream_model_cost_usd_total counter');
    expect(metrics).toMatch(/^teamstream_model_cost_usd_total\{model="gpt-4o-mini-2024-07-18"\} 0\.00135$/m);
  });

  it('a model without a price: usage without any cost field, no run cost', async () => {
    const { runId, frames, terminal } = await run('fake-model');
    expect(terminal.type).toBe('result');
    expect(modelMessages(frames).map((m) => m.models_usage)).toEqual([
      { prompt_tokens: 1000, completion_tokens: 500 },
      { prompt_tokens: 2000, completion_tokens: 1000 },
    ]);
    expect(terminal.data.usage).toEqual({ prompt_tokens: 3000, completion_tokens: 1500 });
    expect('cost' in terminal.data).toBe(false);
    const row = (await t.http.get(`/api/runs/${runId}`).expect(200)).body.data;
    expect('cost' in row.team_result).toBe(false);
    expect((await t.http.get('/metrics').expect(200)).text).not.toMatch(/teamstream_model_cost_usd_total\{[^}]*fake-model/);
  });

  it("a model priced by the operator's MODEL_PRICES_FILE ($1 / $2 per 1M)", async () => {
    const { terminal } = await run('house-model');
    // 3000 × 1e-6 + 1500 × 2e-6
    expect(terminal.data.cost.usage_including_cached_inference.total_cost).toBe(0.006);
  });
});

describe('MODEL_PRICES_FILE at start-up', () => {
  it('a bad entry stops the start, naming the file and the entry', async () => {
    const file = priceFile({ models: { 'house-model': { input: 1, output: 'two' } } });
    const database = await createTestDatabase();
    try {
      await expect(startTestApp({ env: { MODEL_PRICES_FILE: file }, database })).rejects.toThrow(
        `MODEL_PRICES_FILE ${file}: models.house-model.output`,
      );
      await expect(startTestApp({ env: { MODEL_PRICES_FILE: '/nonexistent/prices.json' }, database })).rejects.toThrow(
        'MODEL_PRICES_FILE /nonexistent/prices.json: ENOENT',
      );
    } finally {
      await database.drop();
    }
  });
});
