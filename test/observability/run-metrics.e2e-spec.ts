/**
 * The run pipeline's metrics move with a real run: a team whose assistant talks to a local
 * OpenAI-compatible server (two tool calls, one failing, then an answer) and waits on a human
 * (UserProxyAgent), driven over the run socket; /metrics is scraped before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { sampleValue } from './prom-text.js';

type Json = Record<string, any>;

/** human-in-the-loop (assistant, then UserProxyAgent; ends on APPROVE) with openai-assistant's model client and calculator. */
function toolAndHumanTeam(baseUrl: string): Json {
  const team = structuredClone(teamFixture('human-in-the-loop')) as Json;
  const openai = openAiTeam(baseUrl, { maxRetries: 0 });
  const source = structuredClone(teamFixture('openai-assistant')) as Json;
  const assistant = team.config.participants[0].config;
  assistant.model_client = openai.config.participants[0].config.model_client;
  assistant.workbench = source.config.participants[0].config.workbench;
  assistant.reflect_on_tool_use = true;
  return team;
}

describe('run metrics (METRICS=on)', () => {
  let t: TestApp;
  let model: ChatCompletionsServer;
  const scrape = async () => (await t.http.get('/metrics').expect(200)).text;

  beforeAll(async () => {
    model = await startChatCompletionsServer();
    t = await startTestApp({ env: { METRICS: 'on' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await model?.close();
  });

  it('a run with tool calls and a human input wait moves every run counter, with the right labels', async () => {
    model.push(
      {
        type: 'tool_calls',
        calls: [
          { name: 'calculator', arguments: '{"a":2,"b":3,"operator":"+"}' },
          { name: 'calculator', arguments: '{"a":1,"b":0,"operator":"/"}' },
        ],
        usage: { prompt_tokens: 11, completion_tokens: 7 },
      },
      { type: 'text', text: 'Two plus three is 5; one by zero fails.', usage: { prompt_tokens: 23, completion_tokens: 13 } },
    );
    const before = await scrape();
    const { runId } = await createRun(t, toolAndHumanTeam(model.baseUrl));
    const viewer = await RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'What is 2 + 3, and 1 / 0?', team_config: toolAndHumanTeam(model.baseUrl) });
      await viewer.waitFor((f) => f.type === 'input_request', 20_000);
      const waiting = await scrape();
      expect(sampleValue(waiting, 'teamstream_input_waiting')).toBe(1);
      expect(sampleValue(waiting, 'teamstream_viewers') - sampleValue(before, 'teamstream_viewers')).toBe(1);
      viewer.send({ type: 'input_response', response: 'APPROVE' });
      expect((await viewer.terminal(20_000)).type).toBe('result');
    } finally {
      await viewer.close();
    }
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const openai = { provider: 'openai', model: 'gpt-4o-mini' };

    expect(delta('teamstream_runs_finished_total', { status: 'complete', front_end: 'run_socket' })).toBe(1);
    expect(delta('teamstream_runs_finished_total', { status: 'error', front_end: 'run_socket' })).toBe(0);
    // Frames: the task, the tool call request and execution events, the answer, the user's reply; chunks as the answer streams.
    expect(delta('teamstream_run_frames_total', { type: 'message' })).toBeGreaterThanOrEqual(5);
    expect(delta('teamstream_run_frames_total', { type: 'message_chunk' })).toBeGreaterThanOrEqual(1);
    expect(delta('teamstream_run_frames_total', { type: 'input_request' })).toBe(1);
    expect(delta('teamstream_run_frames_total', { type: 'result' })).toBe(1);
    // Two model calls (the tool calls, then the reflection), their usage as the server reported it.
    expect(delta('teamstream_model_call_duration_seconds_count', openai)).toBe(2);
    expect(delta('teamstream_model_call_duration_seconds_sum', openai)).toBeGreaterThan(0);
    expect(delta('teamstream_model_call_errors_total', openai)).toBe(0);
    expect(delta('teamstream_model_tokens_total', { model: 'gpt-4o-mini', kind: 'prompt' })).toBe(11 + 23);
    expect(delta('teamstream_model_tokens_total', { model: 'gpt-4o-mini', kind: 'completion' })).toBe(7 + 13);
    // Two calculator calls, the division by zero an error result.
    expect(delta('teamstream_tool_call_duration_seconds_count', { tool: 'calculator' })).toBe(2);
    expect(delta('teamstream_tool_call_errors_total', { tool: 'calculator' })).toBe(1);
    expect(delta('teamstream_input_waits_total')).toBe(1);
    expect(sampleValue(after, 'teamstream_input_waiting')).toBe(0);
    // Every non-chunk frame is written before it is sent: at least the message frames and the terminal one.
    expect(delta('teamstream_db_write_duration_seconds_count')).toBeGreaterThanOrEqual(6);
    expect(delta('teamstream_db_write_duration_seconds_bucket', { le: '+Inf' })).toBe(delta('teamstream_db_write_duration_seconds_count'));
    await expect
      .poll(async () => sampleValue(await scrape(), 'teamstream_viewers'), { timeout: 10_000 })
      .toBe(sampleValue(before, 'teamstream_viewers'));
  }, 60_000);

  it('a failing model call counts as an error of its provider and model, and the run as finished with error', async () => {
    model.push({ type: 'error', status: 400, message: 'This model does not exist', errorType: 'invalid_request_error' });
    const before = await scrape();
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Hello', team_config: team });
      const end = await viewer.terminal(20_000);
      expect(end).toMatchObject({ type: 'completion', status: 'error' });
    } finally {
      await viewer.close();
    }
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const openai = { provider: 'openai', model: 'gpt-4o-mini' };
    expect(delta('teamstream_model_call_errors_total', openai)).toBe(1);
    expect(delta('teamstream_model_call_duration_seconds_count', openai)).toBe(1);
    expect(delta('teamstream_model_tokens_total', { model: 'gpt-4o-mini', kind: 'prompt' })).toBe(0);
    expect(delta('teamstream_runs_finished_total', { status: 'error', front_end: 'run_socket' })).toBe(1);
    expect(delta('teamstream_run_frames_total', { type: 'completion' })).toBe(1);
  }, 60_000);
});
