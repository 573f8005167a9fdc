/**
 * Each replay fixture of test/fixtures/teams streamed over a real socket: the exact frame
 * sequence (task echo first, chunks before their message, the terminal frame last), the rows
 * saved, and the usage summed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** `message:TextMessage`, `chunk`, `result`… — one token per frame, for exact sequence checks. */
function shape(frames: Frame[]): string[] {
  return frames
    .filter((f) => f.type !== 'system')
    .map((f) => (f.type === 'message' ? `message:${f.data.type}` : f.type === 'message_chunk' ? 'chunk' : f.type));
}

/** Collapses runs of chunks into one `chunk*`, for sequences whose chunk count is not the point. */
function collapsed(frames: Frame[]): string[] {
  return shape(frames)
    .filter((s, i, all) => !(s === 'chunk' && all[i - 1] === 'chunk'))
    .map((s) => (s === 'chunk' ? 'chunk*' : s));
}

describe('run streaming of the replay fixtures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function runToEnd(fixture: string, task: string, answer?: (viewer: RunViewer, request: Frame) => void) {
    const created = await createRun(t, teamFixture(fixture));
    const viewer = await RunViewer.open(t.baseUrl, created.runId, { token: 'null' });
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task, team_config: teamFixture(fixture) });
    if (answer) {
      let answered = 0;
      viewer.socket.on('message', (data) => {
        const frame = JSON.parse((data as Buffer).toString()) as Frame; // ws's default binaryType: one Buffer
        if (frame.type === 'input_request') answer(viewer, { ...frame, n: ++answered });
      });
    }
    const terminal = await viewer.terminal();
    await viewer.close();
    return { ...created, viewer, terminal };
  }

  it('round-robin: task echo, one chunk per token, the message, then result (complete)', async () => {
    const { viewer, terminal, runId, sessionId } = await runToEnd('round-robin-replay', 'What is the answer?');
    expect(viewer.frames[0]).toEqual({ type: 'system', status: 'connected', timestamp: expect.any(String) });
    expect(shape(viewer.frames)).toEqual(['message:TextMessage', ...Array(6).fill('chunk'), 'message:TextMessage', 'result']);
    const [echo, ...rest] = viewer.numbered();
    expect(echo).toEqual({
      type: 'message',
      data: {
        id: expect.any(String),
        source: 'user',
        models_usage: null,
        metadata: {},
        created_at: expect.any(String),
        content: 'What is the answer?',
        type: 'TextMessage',
      },
      run_id: runId,
      seq: 1,
    });
    const chunks = rest.filter((f) => f.type === 'message_chunk');
    const final = rest.find((f) => f.type === 'message')!;
    expect(chunks.map((c) => c.data.content)).toEqual(['The ', 'answer ', 'is ', '42 ', '. ', 'TERMINATE']);
    expect(chunks.every((c) => c.data.full_message_id === final.data.id && c.data.type === 'ModelClientStreamingChunkEvent')).toBe(true);
    expect(final.data).toMatchObject({ source: 'assistant_agent', content: 'The answer is 42 . TERMINATE' });
    expect(viewer.numbered().map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    expect(terminal).toEqual({ type: 'result', status: 'complete', data: expect.any(Object), run_id: runId, seq: 9 });
    expect(terminal.data.task_result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    expect(terminal.data.task_result.messages.map((m: Frame) => m.type)).toEqual(['TextMessage', 'TextMessage']);
    expect(terminal.data.usage).toEqual(final.data.models_usage);
    expect(terminal.data.usage.completion_tokens).toBe(6);
    expect(terminal.data.duration).toBeGreaterThan(0);

    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'complete', stop_reason: "Text 'TERMINATE' mentioned", error_message: null });
    // AGS's MessageConfig dump of the task (protocol §1.8), not a bare array: AGS's history view
    // renders this object, and would show only the first element of an array.
    expect(run.body.data.task).toEqual({ source: 'user', content: [echo.data], message_type: 'text' });
    expect(run.body.data.team_result).toEqual(terminal.data);
    const messages = await t.http.get(`/api/runs/${runId}/messages`).expect(200);
    expect(messages.body.data.map((m: Frame) => m.config.id)).toEqual([echo.data.id, final.data.id]);
    const history = await t.http.get(`/api/sessions/${sessionId}/runs`).query({ user_id: 'guestuser@gmail.com' }).expect(200);
    expect(history.body.data.runs[0]).toMatchObject({
      id: runId,
      status: 'complete',
      task: { source: 'user', content: [echo.data], message_type: 'text' },
    });
    expect(history.body.data.runs[0].messages).toHaveLength(2);
  });

  it('weather: tool request, execution, then the reflected answer; usage summed over both calls', async () => {
    const { viewer, terminal, runId } = await runToEnd('weather-tool', 'Weather in Paris?');
    expect(shape(viewer.frames)).toEqual([
      'message:TextMessage',
      'message:ToolCallRequestEvent',
      'message:ToolCallExecutionEvent',
      'message:TextMessage',
      'result',
    ]);
    const [, request, execution, answer] = viewer.numbered();
    expect(request.data.content).toEqual([{ id: 'call_1', name: 'weather_forecast', arguments: '{"city":"Paris"}' }]);
    expect(execution.data.content).toEqual([
      { content: expect.stringContaining('Paris'), name: 'weather_forecast', call_id: 'call_1', is_error: false },
    ]);
    expect(answer.data.content).toBe('The forecast for Paris is sunny. TERMINATE');
    expect(terminal.data.usage).toEqual({ prompt_tokens: 90, completion_tokens: 32 });
    const messages = await t.http.get(`/api/runs/${runId}/messages`).expect(200);
    expect(messages.body.data.map((m: Frame) => m.config.type)).toEqual([
      'TextMessage',
      'ToolCallRequestEvent',
      'ToolCallExecutionEvent',
      'TextMessage',
    ]);
  });

  it('swarm: two hand-offs and a tool call, ending on the hand-off to the user', async () => {
    const { viewer, terminal } = await runToEnd('swarm-handoffs', 'I want to buy a unicycle');
    const handoffs = viewer.numbered().filter((f) => f.data?.type === 'HandoffMessage');
    expect(handoffs.map((h) => h.data.target)).toEqual(['sales_agent', 'user']);
    const tools = viewer
      .numbered()
      .filter((f) => f.data?.type === 'ToolCallExecutionEvent')
      .flatMap((f) => f.data.content);
    expect(tools.map((r: Frame) => r.name)).toEqual(['transfer_to_sales_agent', 'execute_order', 'transfer_to_user']);
    expect(tools.find((r: Frame) => r.name === 'execute_order').content).toContain('rocket-powered unicycle');
    expect(terminal.type).toBe('result');
    expect(terminal.data.task_result.stop_reason).toBe('Handoff to user from sales_agent detected.');
    expect(terminal.data.usage).toEqual({ prompt_tokens: 120, completion_tokens: 36 });
  });

  it('selector: planner, then writer, chosen by the selector model', async () => {
    const { viewer, terminal } = await runToEnd('selector', 'Write a haiku');
    const speakers = viewer
      .numbered()
      .filter((f) => f.type === 'message' && f.data.source !== 'user')
      .map((f) => f.data.source);
    expect(speakers).toEqual(['planner', 'writer']);
    expect(terminal.data.task_result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('human in the loop: input_request, the answer as the proxy message, then APPROVE ends it', async () => {
    const { viewer, terminal, runId } = await runToEnd('human-in-the-loop', 'Write a poem', (v, request) => {
      v.send({ type: 'input_response', response: request.n === 1 ? 'Make it shorter' : 'APPROVE' });
    });
    expect(collapsed(viewer.frames)).toEqual([
      'message:TextMessage',
      'chunk*',
      'message:TextMessage',
      'input_request',
      'message:TextMessage',
      'chunk*',
      'message:TextMessage',
      'input_request',
      'message:TextMessage',
      'result',
    ]);
    const request = viewer.frames.find((f) => f.type === 'input_request')!;
    expect(request).toEqual({
      type: 'input_request',
      prompt: 'Enter your response: ',
      data: { source: 'system', content: 'Enter your response: ' },
      timestamp: expect.any(String),
      request_id: expect.any(String),
      source: 'user_proxy',
      timeout_at: expect.any(String),
      run_id: runId,
      seq: expect.any(Number),
    });
    const answers = viewer.numbered().filter((f) => f.type === 'message' && f.data.source === 'user_proxy');
    expect(answers.map((a) => a.data.content)).toEqual(['Make it shorter', 'APPROVE']);
    expect(terminal.data.task_result.stop_reason).toBe("Text 'APPROVE' mentioned");
  });
});
