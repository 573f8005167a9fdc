/**
 * Log lines carry their ids (issue #17 §3): a line about a run has `run_id`, a request line has
 * `request_id` (the caller's `x-request-id` when it sends a plain one, else a new UUID), and the
 * id is echoed in the `x-request-id` response header. The app logs JSON (LOG_FORMAT=json's
 * logger) into a stream the test reads.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { startJsonLogApp, type JsonLogApp } from '../support/json-log-app.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRunAt } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('log lines carry run_id and request_id (LOG_FORMAT=json)', () => {
  const lines: Record<string, unknown>[] = [];
  let logApp: JsonLogApp;
  let model: ChatCompletionsServer;
  let baseUrl: string;

  beforeAll(async () => {
    model = await startChatCompletionsServer();
    logApp = await startJsonLogApp(lines);
    baseUrl = logApp.baseUrl;
  }, 60_000);
  afterAll(async () => {
    await logApp?.close();
    await model?.close();
  });

  /** The request line for `path` written after `from` lines; polled, as the line is written once the response is sent. */
  async function requestLine(path: string, from: number): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await expect.poll(() => (found = lines.slice(from).find((l) => l.context === 'Request' && l.path === path)), { timeout: 5_000 }).toBeDefined();
    return found!;
  }

  it("honours the caller's x-request-id: echoed in the response header and on the request line", async () => {
    const from = lines.length;
    const res = await request(baseUrl).get('/api/health').set('x-request-id', 'trace-abc.123').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(await requestLine('/api/health', from)).toMatchObject({ level: 'INFO', request_id: 'trace-abc.123', method: 'GET', status: 200 });
  });

  it('without one (or with one that is not a plain token) a new UUID is the id, echoed and logged', async () => {
    let from = lines.length;
    const plain = await request(baseUrl).get('/api/health').expect(200);
    expect(plain.headers['x-request-id']).toMatch(UUID);
    expect((await requestLine('/api/health', from)).request_id).toBe(plain.headers['x-request-id']);

    from = lines.length;
    const odd = await request(baseUrl).get('/api/health/live').set('x-request-id', 'two words\t<script>').expect(200);
    expect(odd.headers['x-request-id']).toMatch(UUID);
    expect((await requestLine('/api/health/live', from)).request_id).toBe(odd.headers['x-request-id']);
  });

  it('a line about a run carries its run_id (a failed run: the TeamManager warning)', async () => {
    model.push({ type: 'error', status: 400, message: 'no such model sk-LEAKEDKEY123456', errorType: 'invalid_request_error' });
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId } = await createRunAt(baseUrl, team);
    const viewer = await RunViewer.open(baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Hello', team_config: team });
      expect(await viewer.terminal(20_000)).toMatchObject({ type: 'completion', status: 'error' });
    } finally {
      await viewer.close();
    }
    let line: Record<string, unknown> | undefined;
    await expect.poll(() => (line = lines.find((l) => l.context === 'TeamManager' && l.run_id === runId)), { timeout: 5_000 }).toBeDefined();
    expect(line).toMatchObject({ level: 'WARN', run_id: runId, msg: expect.stringContaining('Run failed') });
    // The run line's text is scrubbed like any other: the key in the upstream error is not logged.
    expect(line!.msg).toContain('no such model [REDACTED]');
    expect(JSON.stringify(lines)).not.toContain('sk-LEAKEDKEY123456');
  }, 60_000);
});
