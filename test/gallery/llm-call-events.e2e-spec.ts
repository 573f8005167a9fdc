/**
 * AGS's LLM call events: with the run owner's `settings.config.ui.show_llm_call_events` on, each
 * model call reaches viewers as a `message` frame of an LLMCallEventMessage (AGS's type: source
 * `llm_call_event`, content the JSON of AgentChat's LLMCallEvent with the request messages and
 * the response) and is stored with the run's messages; with it off, none. No key ever in them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { createRun, GUEST } from '../support/runs.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const USER_KEY = 'sk-user-secret-key-123';
/** AgentChat's default AssistantAgent system message. */
const SYSTEM = 'You are a helpful AI assistant. Solve tasks using your tools. Reply with TERMINATE when the task has been completed.';

describe('LLM call events (settings.config.ui.show_llm_call_events)', () => {
  let t: TestApp;
  let fake: ChatCompletionsServer | undefined;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function setShowLlmCallEvents(on: boolean): Promise<void> {
    const current = await t.http.get('/api/settings/').query({ user_id: GUEST }).expect(200);
    const row = current.body.data;
    await t.http
      .put('/api/settings/')
      .send({ ...row, config: { ...row.config, ui: { ...row.config.ui, show_llm_call_events: on } } })
      .expect(200);
  }

  /**
   * The agent's system message is AgentChat's default, which says "Reply with TERMINATE": an
   * event carrying the request must not trip the team's TextMentionTermination, so the run
   * takes both scripted answers.
   */
  async function runOnce(): Promise<{ runId: number; frames: Frame[]; terminal: Frame }> {
    fake = await startChatCompletionsServer([
      { type: 'text', text: 'Working on it.', usage: { prompt_tokens: 9, completion_tokens: 3 } },
      { type: 'text', text: 'All done. TERMINATE', usage: { prompt_tokens: 11, completion_tokens: 4 } },
    ]);
    const team = openAiTeam(fake.baseUrl, { maxRetries: 0 });
    team.config.participants[0].config.model_client.config.api_key = USER_KEY;
    team.config.participants[0].config.system_message = SYSTEM;
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId, { token: 'null' });
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task: 'Say done', team_config: team });
    const terminal = await viewer.terminal(20_000);
    await viewer.close();
    return { runId, frames: viewer.frames, terminal };
  }

  it('on: one LLMCallEventMessage per model call, with the request and the response, stored, no key', async () => {
    await setShowLlmCallEvents(true);
    const { runId, frames, terminal } = await runOnce();
    expect(terminal.type).toBe('result');
    const events = frames.filter((f) => f.type === 'message' && f.data.type === 'LLMCallEventMessage');
    expect(events).toHaveLength(2);
    expect(terminal.data.task_result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    // Viewer-only, as in AGS (its events come from a log beside the team): not in the TaskResult.
    expect(terminal.data.task_result.messages.map((m: Frame) => m.type)).not.toContain('LLMCallEventMessage');
    const event = events[1]!.data;
    expect(event.source).toBe('llm_call_event');
    const call = JSON.parse(event.content);
    expect(call).toMatchObject({
      type: 'LLMCall',
      agent_id: 'assistant_agent',
      prompt_tokens: 11,
      completion_tokens: 4,
      response: { content: 'All done. TERMINATE', finish_reason: 'stop' },
    });
    expect(call.messages).toEqual([
      { type: 'SystemMessage', content: SYSTEM },
      { type: 'UserMessage', content: 'Say done', source: 'user' },
      { type: 'AssistantMessage', content: 'Working on it.', source: 'assistant_agent' },
    ]);
    // Each event comes before the answer it produced, as AGS's logged call does.
    const answers = frames.filter((f) => f.type === 'message' && f.data.type === 'TextMessage' && f.data.source === 'assistant_agent');
    expect(answers).toHaveLength(2);
    expect(frames.indexOf(events[0]!)).toBeLessThan(frames.indexOf(answers[0]!));
    expect(frames.indexOf(events[1]!)).toBeLessThan(frames.indexOf(answers[1]!));
    expect(JSON.stringify(frames)).not.toContain(USER_KEY);

    const stored = await t.http.get(`/api/runs/${runId}/messages`).expect(200);
    const storedTypes = stored.body.data.map((m: { config: { type: string } }) => m.config.type);
    expect(storedTypes).toContain('LLMCallEventMessage');
    expect(JSON.stringify(stored.body.data)).not.toContain(USER_KEY);
  });

  it('off (AGS’s default): no LLMCallEventMessage in frames or storage', async () => {
    await setShowLlmCallEvents(false);
    const { runId, frames, terminal } = await runOnce();
    expect(terminal.type).toBe('result');
    expect(frames.some((f) => f.type === 'message' && f.data.type === 'LLMCallEventMessage')).toBe(false);
    const stored = await t.http.get(`/api/runs/${runId}/messages`).expect(200);
    expect(stored.body.data.some((m: { config: { type: string } }) => m.config.type === 'LLMCallEventMessage')).toBe(false);
  });
});
