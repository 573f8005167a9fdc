/**
 * AnthropicChatCompletionClient against a local fake of the Messages API speaking real SSE
 * events. Expected behaviour is AgentChat's AnthropicChatCompletionClient's (system messages
 * merged into `system`, tool results as user `tool_result` blocks, usage from message_start /
 * message_delta) under our egress policy (the server's key only to its own endpoint).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAnthropicServer, type AnthropicScriptedReply, type AnthropicServer } from '../../../test/fakes/anthropic-server.js';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { EgressPolicy, credentialsFromEnv, parseEgressAllow, serverEgressPolicy, type ServerCredentials } from '../egress/index.js';
import { CancelledError, ConfigError, ModelError } from '../errors.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { AnthropicChatCompletionClient } from './anthropic-client.js';
import { isCreateResult, type CreateResult, type LLMMessage, type ModelStreamItem } from './model-client.js';

const SERVER_KEY = 'sk-ant-server-own-key';
const loopback = () => new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
const hi: LLMMessage[] = [{ type: 'UserMessage', content: 'Hi', source: 'user' }];

let fake: AnthropicServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(...replies: AnthropicScriptedReply[]): Promise<AnthropicServer> {
  fake = await startAnthropicServer(replies);
  return fake;
}

function client(s: AnthropicServer, extra: Record<string, unknown> = {}, credentials?: ServerCredentials) {
  return new AnthropicChatCompletionClient(
    { model: 'claude-3-7-sonnet-20250219', base_url: s.url, api_key: 'sk-ant-user', max_retries: 0, ...extra },
    { egress: loopback(), ...(credentials ? { credentials } : {}) },
  );
}

async function collect(stream: AsyncIterable<ModelStreamItem>): Promise<{ deltas: string[]; result: CreateResult }> {
  const deltas: string[] = [];
  let result: CreateResult | undefined;
  for await (const item of stream) {
    if (isCreateResult(item)) result = item;
    else deltas.push(item);
  }
  return { deltas, result: result! };
}

describe('AnthropicChatCompletionClient: requests', () => {
  it('merges every system message into `system` and alternates user/assistant turns, as AgentChat does', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    await client(s).create([
      { type: 'SystemMessage', content: 'You are helpful.' },
      { type: 'UserMessage', content: 'Q1', source: 'user' },
      { type: 'UserMessage', content: 'Q2', source: 'other' },
      { type: 'SystemMessage', content: 'Be brief.' },
      { type: 'AssistantMessage', content: 'A1', source: 'assistant' },
    ]);
    const body = s.requests[0]!.body;
    expect(body.system).toBe('You are helpful.\nBe brief.');
    expect(body.model).toBe('claude-3-7-sonnet-20250219');
    // AgentChat's default max_tokens for Anthropic; the API requires one.
    expect(body.max_tokens).toBe(4096);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Q1' },
          { type: 'text', text: 'Q2' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'A1' }] },
    ]);
  });

  it('sends tools with input_schema, tool calls as tool_use and results as user tool_result blocks', async () => {
    const s = await serve({ type: 'text', text: 'done' });
    await client(s).create(
      [
        { type: 'UserMessage', content: 'add and sub', source: 'user' },
        {
          type: 'AssistantMessage',
          source: 'a',
          thought: 'Let me compute.',
          content: [
            { id: 't1', name: 'add', arguments: '{"a":1,"b":2}' },
            { id: 't2', name: 'sub', arguments: '{"a":3,"b":1}' },
          ],
        },
        {
          type: 'FunctionExecutionResultMessage',
          content: [
            { call_id: 't1', name: 'add', content: '3', is_error: false },
            { call_id: 't2', name: 'sub', content: 'boom', is_error: true },
          ],
        },
      ],
      {
        tools: [{ name: 'add', description: 'Adds', parameters: { type: 'object', properties: { a: { type: 'number' } } } }],
        toolChoice: 'required',
      },
    );
    const body = s.requests[0]!.body;
    expect(body.tools).toEqual([{ name: 'add', description: 'Adds', input_schema: { type: 'object', properties: { a: { type: 'number' } } } }]);
    expect(body.tool_choice).toEqual({ type: 'any' });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'add and sub' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me compute.' },
          { type: 'tool_use', id: 't1', name: 'add', input: { a: 1, b: 2 } },
          { type: 'tool_use', id: 't2', name: 'sub', input: { a: 3, b: 1 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: '3' },
          { type: 'tool_result', tool_use_id: 't2', content: 'boom', is_error: true },
        ],
      },
    ]);
  });

  it('sends the config’s create arguments and images as base64 blocks', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    await client(s, { max_tokens: 100, temperature: 0.5, top_k: 5, stop_sequences: ['END'] }).create([
      { type: 'UserMessage', content: ['look', { url: 'data:image/png;base64,AAAA' }], source: 'user' },
    ]);
    const body = s.requests[0]!.body;
    expect(body).toMatchObject({ max_tokens: 100, temperature: 0.5, top_k: 5, stop_sequences: ['END'] });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        ],
      },
    ]);
  });
});

describe('AnthropicChatCompletionClient: answers', () => {
  it('streams text deltas, then one result with usage from message_start and message_delta', async () => {
    const s = await serve({
      type: 'text',
      text: 'Hello there friend',
      usage: { input_tokens: 21, output_tokens: 7 },
      model: 'claude-3-7-sonnet-latest-x',
    });
    const { deltas, result } = await collect(client(s).createStream(hi));
    expect(deltas).toEqual(['Hello ', 'there ', 'friend']);
    // `model` is message_start's `message.model`, not the configured name.
    expect(result).toEqual({
      finish_reason: 'stop',
      content: 'Hello there friend',
      usage: { prompt_tokens: 21, completion_tokens: 7 },
      cached: false,
      model: 'claude-3-7-sonnet-latest-x',
    });
    expect(s.requests[0]!.body.stream).toBe(true);
  });

  it('folds parallel tool_use blocks streamed as input_json_delta pieces into several FunctionCalls', async () => {
    const s = await serve({
      type: 'tool_use',
      text: 'Calling both.',
      calls: [
        { id: 'toolu_1', name: 'add', input: { a: 1, b: 2 } },
        { id: 'toolu_2', name: 'now', input: {} },
      ],
    });
    const { result } = await collect(client(s).createStream(hi));
    expect(result.finish_reason).toBe('function_calls');
    expect(result.content).toEqual([
      { id: 'toolu_1', name: 'add', arguments: '{"a":1,"b":2}' },
      { id: 'toolu_2', name: 'now', arguments: '{}' },
    ]);
    expect(result.thought).toBe('Calling both.');
  });

  it('reads a non-streamed Message: tool calls, thinking as the thought, usage', async () => {
    const s = await serve({ type: 'tool_use', calls: [{ id: 'x', name: 'add', input: { a: 1 } }], usage: { input_tokens: 3, output_tokens: 4 } });
    const result = await client(s).create(hi);
    // The fake names the model asked for, as the API does for a dated name.
    expect(result).toEqual({
      finish_reason: 'function_calls',
      content: [{ id: 'x', name: 'add', arguments: '{"a":1}' }],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
      cached: false,
      model: 'claude-3-7-sonnet-20250219',
    });
    s.push({ type: 'text', text: 'answer', thinking: 'hmm', stopReason: 'max_tokens' });
    await expect(client(s).create(hi)).resolves.toMatchObject({ content: 'answer', thought: 'hmm', finish_reason: 'length' });
    s.push({ type: 'text', text: 'streamed', thinking: 'pondering' });
    const { result: streamed } = await collect(client(s).createStream(hi));
    expect(streamed).toMatchObject({ content: 'streamed', thought: 'pondering' });
  });

  it('reports the provider’s error message and status, and a mid-stream `error` event', async () => {
    const s = await serve(
      { type: 'error', status: 400, message: 'max_tokens: too large', errorType: 'invalid_request_error' },
      { type: 'stream_error', text: 'partial', message: 'Overloaded' },
    );
    const failed = client(s).create(hi);
    await expect(failed).rejects.toBeInstanceOf(ModelError);
    await expect(failed).rejects.toThrow('Model request failed with HTTP 400: max_tokens: too large');
    await expect(collect(client(s).createStream(hi))).rejects.toThrow('Model stream failed: Overloaded');
  });

  it('stops the request in flight on abort (AbortSignal) with a CancelledError', async () => {
    let release!: () => void;
    const s = await serve({ type: 'text', text: 'never', hold: new Promise<void>((r) => (release = r)) });
    const controller = new AbortController();
    const stream = client(s).createStream(hi, { signal: controller.signal });
    const consumed = collect(stream);
    const request = await s.waitForRequest(0);
    controller.abort();
    await expect(consumed).rejects.toBeInstanceOf(CancelledError);
    await expect(request.outcome).resolves.toBe('closed-early');
    release();
  });
});

describe('AnthropicChatCompletionClient under the egress policy', () => {
  it('does not send the server key to a base_url the config chose', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    const credentials = credentialsFromEnv({ ANTHROPIC_API_KEY: SERVER_KEY });
    const c = new AnthropicChatCompletionClient({ model: 'claude-3-5-haiku', base_url: s.url, max_retries: 0 }, { credentials, egress: loopback() });
    await expect(c.create(hi)).resolves.toMatchObject({ content: 'ok' });
    const headers = s.requests[0]!.headers;
    expect(JSON.stringify(headers)).not.toContain(SERVER_KEY);
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
  });

  it('sends the server key to ANTHROPIC_BASE_URL, trusted even on loopback with no EGRESS_ALLOW', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    const credentials = credentialsFromEnv({ ANTHROPIC_API_KEY: SERVER_KEY, ANTHROPIC_BASE_URL: `${s.url}/` });
    const c = new AnthropicChatCompletionClient(
      { model: 'claude-3-5-haiku', max_retries: 0 },
      { credentials, egress: serverEgressPolicy(credentials) },
    );
    await c.create(hi);
    expect(JSON.stringify(s.requests[0]!.headers)).toContain(SERVER_KEY);
  });

  it('reads nothing from the process environment (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_CUSTOM_HEADERS)', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    const saved = { ...process.env };
    process.env.ANTHROPIC_API_KEY = 'sk-ant-from-env';
    process.env.ANTHROPIC_AUTH_TOKEN = 'tok-from-env';
    process.env.ANTHROPIC_CUSTOM_HEADERS = 'X-Leak: yes';
    try {
      const c = new AnthropicChatCompletionClient({ model: 'claude-3-5-haiku', base_url: s.url, max_retries: 0 }, { egress: loopback() });
      await c.create(hi);
    } finally {
      for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_CUSTOM_HEADERS']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    const headers = JSON.stringify(s.requests[0]!.headers);
    expect(headers).not.toContain('from-env');
    expect(headers).not.toContain('x-leak');
  });

  it('refuses a private base_url at load time unless allowed, and the official endpoint without a key', async () => {
    expect(() => new AnthropicChatCompletionClient({ model: 'm', base_url: 'http://127.0.0.1:9/' }, { egress: new EgressPolicy() })).toThrow(
      ConfigError,
    );
    const noKey = new AnthropicChatCompletionClient({ model: 'claude-3-7-sonnet-20250219' }, { credentials: {}, egress: new EgressPolicy() });
    await expect(noKey.create(hi)).rejects.toThrow('No Anthropic API key');
  });

  it('explains a 401 when no key was sent, and takes model_info from the config', async () => {
    const s = await serve({ type: 'error', status: 401, message: 'x-api-key header is required', errorType: 'authentication_error' });
    const c = new AnthropicChatCompletionClient(
      {
        model: 'my-proxy-model',
        base_url: s.url,
        max_retries: 0,
        model_info: { vision: false, function_calling: true, json_output: false, family: 'x' },
      },
      { egress: loopback() },
    );
    expect(c.modelInfo).toMatchObject({ vision: false, family: 'x' });
    await expect(c.create(hi)).rejects.toThrow(/HTTP 401: x-api-key header is required; no API key was sent/);
  });

  it('names the bad key of a malformed config', () => {
    expect(() => new AnthropicChatCompletionClient({ model: 'm', temperature: 'hot' } as never)).toThrow(/config\.temperature/);
  });
});

describe('AnthropicChatCompletionClient as a component', () => {
  it('loads the AGS gallery’s Claude entry and dumps back the same config, with AgentChat’s model_info', () => {
    const component = {
      provider: 'autogen_ext.models.anthropic.AnthropicChatCompletionClient',
      component_type: 'model',
      version: 1,
      component_version: 1,
      description: 'Anthropic Claude-3 model client.',
      label: 'Anthropic Claude-3-7',
      config: { model: 'claude-3-7-sonnet-20250219', max_tokens: 4096, temperature: 1.0 },
    };
    const loaded = loadComponent(component, { tools: new ToolRegistry(), credentials: {}, egress: new EgressPolicy() }, 'model');
    expect(loaded.modelInfo).toEqual({
      vision: true,
      function_calling: true,
      json_output: false,
      family: 'claude-3-7-sonnet',
      structured_output: false,
    });
    expect(dumpComponent(loaded)).toEqual(component);
  });
});
