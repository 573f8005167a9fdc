/**
 * The catalogue's events over the AGS run socket: with `emit_team_events` the team's
 * SelectSpeakerEvent, and an agent's MemoryQueryEvent, each arrive as a `message` frame in
 * AgentChat's order (speaker selection, memory query, tool request, execution, summary), and
 * are part of the result's task_result as AgentChat's TaskResult includes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from './support/fixtures.js';
import { RunViewer, type Frame } from './support/run-viewer.js';
import { createRun } from './support/runs.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('catalogue events over the run socket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('streams SelectSpeakerEvent and MemoryQueryEvent as message frames, then the FunctionCallTermination result', async () => {
    const team = teamFixture('catalog-ext-memory-cache');
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId, { token: 'null' });
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task: 'What is 6 times 7?', team_config: team });
    const terminal = await viewer.terminal();
    await viewer.close();

    const messages = viewer.frames.filter((f) => f.type === 'message').map((f) => f.data as Frame);
    expect(messages.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'SelectSpeakerEvent:RoundRobinGroupChatManager',
      'MemoryQueryEvent:assistant',
      'ToolCallRequestEvent:assistant',
      'ToolCallExecutionEvent:assistant',
      'ToolCallSummaryMessage:assistant',
    ]);
    expect(messages[1]).toMatchObject({ content: ['assistant'] });
    expect(messages[2]).toMatchObject({ content: [{ content: 'The user wants answers in metric units.', mime_type: 'text/plain' }] });
    expect(terminal).toMatchObject({ type: 'result', status: 'complete' });
    expect(terminal.data.task_result.stop_reason).toBe("Function 'calculator' was executed.");
    expect(terminal.data.task_result.messages.map((m: Frame) => m.type)).toEqual(messages.map((m) => m.type));
  });
});
