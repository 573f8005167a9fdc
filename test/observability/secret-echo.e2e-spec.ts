/**
 * A model provider that echoes the refused API key in its 401 (`Incorrect API key provided:
 * sk-…`, as OpenAI does) must not pass it on (issue #17): neither the run's terminal frame, nor
 * the stored run, nor any span (status message, exception events, attributes) carries the key.
 * The egress layer masks the credential sent with the request and API-key-looking strings before
 * the message becomes an engine error. Tracing is on (in-memory exporter), as in tracing.e2e-spec.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracedTestApp } from '../support/in-memory-tracing.js';
import type { ChatCompletionsServer } from '../fakes/chat-completions-server.js';

const exporter = new InMemorySpanExporter();
let closeAll: (() => Promise<void>) | undefined;
let t: import('../support/test-app.js').TestApp;
let fake: ChatCompletionsServer;
let support: {
  runs: typeof import('../support/runs.js');
  viewer: typeof import('../support/run-viewer.js');
  teams: typeof import('../support/teams.js');
};

beforeAll(async () => {
  ({ t, model: fake, close: closeAll } = await startTracedTestApp(exporter));
  support = {
    runs: await import('../support/runs.js'),
    viewer: await import('../support/run-viewer.js'),
    teams: await import('../support/teams.js'),
  };
});
afterAll(async () => {
  await closeAll?.();
});

/** Everything a span records, as text: name, attributes, status message, events and their attributes. */
function spanText(): string {
  return JSON.stringify(
    exporter
      .getFinishedSpans()
      .map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events.map((e) => [e.name, e.attributes]) })),
  );
}

/** Runs the OpenAI team with `apiKey` against the fake, which answers 401 echoing the key. */
async function refusedRun(apiKey: string) {
  fake.push({ type: 'error', status: 401, message: 'Incorrect API key provided: {api_key}. You can find your API key at …', echoApiKey: true });
  const team = support.teams.openAiTeam(fake.baseUrl, { maxRetries: 0 });
  team.config.participants[0].config.model_client.config.api_key = apiKey;
  const { runId } = await support.runs.createRun(t, team);
  const viewer = await support.viewer.RunViewer.open(t.baseUrl, runId);
  try {
    viewer.send({ type: 'start', task: 'Say hi', team_config: team });
    const terminal = await viewer.terminal(20_000);
    return { runId, terminal, frames: JSON.stringify(viewer.frames) };
  } finally {
    await viewer.close();
  }
}

describe('an API key echoed in a model provider error', () => {
  it.each([
    ['an API-key-looking key (sk-…)', 'sk-canary-ABCDEF123456'],
    ['a key of any other shape (the credential sent with the request)', 'canary-plain-KEY-987654'],
  ])('%s reaches no frame, stored run or span', async (_, apiKey) => {
    const { runId, terminal, frames } = await refusedRun(apiKey);
    // The fake did receive the key and echo it: the test would catch a leak.
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(terminal.type).toBe('completion');
    expect(JSON.stringify(terminal)).toContain('HTTP 401: Incorrect API key provided: [REDACTED]');
    expect(frames).not.toContain(apiKey);

    const stored = await t.http.get(`/api/runs/${runId}`).query({ user_id: support.runs.GUEST }).expect(200);
    expect(JSON.stringify(stored.body)).toContain('[REDACTED]');
    expect(JSON.stringify(stored.body)).not.toContain(apiKey);

    const runSpan = () => exporter.getFinishedSpans().find((s) => s.attributes['teamstream.run.id'] === String(runId) && s.name.startsWith('run'));
    await expect.poll(runSpan, { timeout: 10_000 }).toBeDefined();
    expect(String(runSpan()!.attributes['teamstream.run.stop_reason'])).toContain('[REDACTED]');
    const chat = exporter.getFinishedSpans().filter((s) => s.name.startsWith('chat') && s.status.message?.includes('HTTP 401'));
    expect(chat.length).toBeGreaterThan(0);
    expect(spanText()).not.toContain(apiKey);
  });
});
