import { afterEach, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer, type ScriptedReply } from '../../../test/fakes/chat-completions-server.js';
import { CancelledError, ConfigError, ModelError } from '../errors.js';
import type { CreateResult, LLMMessage, ModelStreamItem } from './model-client.js';
import { EgressPolicy, parseEgressAllow } from '../egress/index.js';
import { AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient, type ModelClientOptions } from './openai-client.js';

/** No server credentials; the loopback fakes allowed. */
const local: ModelClientOptions = { credentials: {}, egress: new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') }) };

const messages: LLMMessage[] = [
  { type: 'SystemMessage', content: 'You are helpful.' },
  { type: 'UserMessage', content: 'Say hello', source: 'user' },
];

let server: ChatCompletionsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...script: ScriptedReply[]): Promise<ChatCompletionsServer> {
  server = await startChatCompletionsServer(script);
  return server;
}

function clientFor(s: ChatCompletionsServer, extra: Record<string, unknown> = {}): OpenAIChatCompletionClient {
  return new OpenAIChatCompletionClient({ model: 'gpt-4o-mini', base_url: s.baseUrl, api_key: 'test-key', max_retries: 0, ...extra }, local);
}

async function collect(stream: AsyncIterable<ModelStreamItem>): Promise<{ deltas: string[]; result: CreateResult }> {
  const deltas: string[] = [];
  for await (const item of stream) {
    if (typeof item !== 'string') return { deltas, result: item };
    deltas.push(item);
  }
  throw new Error('stream ended without a CreateResult');
}

describe(OpenAIChatCompletionClient.name, () => {
  it('streams text deltas, then one result with the usage of the final chunk', async () => {
    const s = await serve({
      type: 'text',
      text: 'Hello there, friend',
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      model: 'gpt-4o-mini-2024-07-18',
    });
    const { deltas, result } = await collect(clientFor(s).createStream(messages));

    expect(deltas).toEqual(['Hello ', 'there, ', 'friend']);
    // `model` is what the chunks name (the snapshot that answered), not the alias asked for.
    expect(result).toEqual({
      finish_reason: 'stop',
      content: 'Hello there, friend',
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      cached: false,
      model: 'gpt-4o-mini-2024-07-18',
    });
    expect(s.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('answers a non-streamed call from a plain JSON completion', async () => {
    const s = await serve({ type: 'text', text: 'Plain answer', usage: { prompt_tokens: 4, completion_tokens: 2 }, model: 'gpt-4o-mini-2024-07-18' });
    const result = await clientFor(s).create(messages);

    expect(result).toEqual({
      finish_reason: 'stop',
      content: 'Plain answer',
      usage: { prompt_tokens: 4, completion_tokens: 2 },
      cached: false,
      model: 'gpt-4o-mini-2024-07-18',
    });
    expect(s.requests[0]!.body.stream).toBe(false);
  });

  it('assembles two streamed tool calls whose arguments arrive in pieces', async () => {
    const s = await serve({
      type: 'tool_calls',
      argumentPieces: 4,
      calls: [
        { id: 'call_a', name: 'calculator', arguments: '{"a":1,"b":2,"operator":"+"}' },
        { id: 'call_b', name: 'weather_forecast', arguments: '{"city":"Paris"}' },
      ],
    });
    const { deltas, result } = await collect(clientFor(s).createStream(messages));

    expect(deltas).toEqual([]);
    expect(result.finish_reason).toBe('function_calls');
    expect(result.content).toEqual([
      { id: 'call_a', name: 'calculator', arguments: '{"a":1,"b":2,"operator":"+"}' },
      { id: 'call_b', name: 'weather_forecast', arguments: '{"city":"Paris"}' },
    ]);
  });

  it('reads tool calls from a non-streamed completion', async () => {
    const s = await serve({
      type: 'tool_calls',
      content: 'Let me check.',
      calls: [{ id: 'c1', name: 'weather_forecast', arguments: '{"city":"Oslo"}' }],
    });
    const result = await clientFor(s).create(messages);

    expect(result).toMatchObject({
      finish_reason: 'function_calls',
      content: [{ id: 'c1', name: 'weather_forecast', arguments: '{"city":"Oslo"}' }],
      thought: 'Let me check.',
    });
  });

  it('sends messages, tools, tool choice and create arguments in the request body', async () => {
    const s = await serve({ type: 'text', text: 'ok' });
    const client = clientFor(s, {
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      response_format: { type: 'json_object' },
      label: 'extra keys pass through',
    });
    const history: LLMMessage[] = [
      ...messages,
      { type: 'UserMessage', content: ['Look:', { url: 'data:image/png;base64,AAAA' }], source: 'user' },
      { type: 'AssistantMessage', content: [{ id: 'c1', name: 'calculator', arguments: '{}' }], source: 'assistant' },
      { type: 'FunctionExecutionResultMessage', content: [{ call_id: 'c1', name: 'calculator', content: '3', is_error: false }] },
    ];
    const tools = [{ name: 'calculator', description: 'Adds.', parameters: { type: 'object', properties: {} } }];
    await client.create(history, { tools, toolChoice: 'auto', extraCreateArgs: { temperature: 0.5 } });

    expect(s.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      stream: false,
      temperature: 0.5,
      max_tokens: 50,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      response_format: { type: 'json_object' },
      tool_choice: 'auto',
      tools: [{ type: 'function', function: { name: 'calculator', description: 'Adds.', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'Say hello', name: 'user' },
        {
          role: 'user',
          name: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          name: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'calculator', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: '3' },
      ],
    });
    expect(s.requests[0]!.headers.authorization).toBe('Bearer test-key');
  });

  it('retries a 429 and then succeeds', async () => {
    const s = await serve({ type: 'error', status: 429, message: 'Rate limit reached', retryAfterMs: 10 }, { type: 'text', text: 'after retry' });
    const result = await clientFor(s, { max_retries: 2 }).create(messages);

    expect(result.content).toBe('after retry');
    expect(s.requests).toHaveLength(2);
  });

  it('surfaces a 500 as a ModelError carrying the status and the server message', async () => {
    const s = await serve({ type: 'error', status: 500, message: 'The engine is overloaded' });
    const error = await clientFor(s)
      .create(messages)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ status: 500, message: expect.stringContaining('The engine is overloaded') });
  });

  it('closes the HTTP request and rejects with CancelledError when aborted mid-stream', async () => {
    // Two chunks, then the server waits for as long as the client stays: the abort comes mid-stream.
    const s = await serve({ type: 'text', text: 'one two three four five six seven eight', hold: new Promise(() => undefined), holdAfter: 2 });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const item of clientFor(s).createStream(messages, { signal: controller.signal })) {
        if (typeof item === 'string') seen.push(item);
        if (seen.length === 2) controller.abort('User requested stop');
      }
    })();

    await expect(run).rejects.toThrow(CancelledError);
    await expect(run).rejects.toMatchObject({ reason: 'User requested stop' });
    expect(seen).toEqual(['one ', 'two ']);
    await expect(withTimeout(s.requests[0]!.outcome)).resolves.toBe('closed-early');
  });

  it('rejects with CancelledError, not ModelError, when aborted before the answer', async () => {
    // The answer would take 10 s; the abort comes the moment the server has the request.
    const s = await serve({ type: 'text', text: 'late', delayMs: 10_000 });
    const controller = new AbortController();
    const pending = clientFor(s).create(messages, { signal: controller.signal });
    const request = await s.waitForRequest(0);
    controller.abort();

    await expect(pending).rejects.toThrow(CancelledError);
    await expect(withTimeout(request.outcome)).resolves.toBe('closed-early');
  });

  it('gives up after the configured timeout (seconds) with a ModelError', async () => {
    const s = await serve({ type: 'text', text: 'too slow', delayMs: 500 });
    const error = await clientFor(s, { timeout: 0.05 })
      .create(messages)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).message).toMatch(/timed out/);
  });

  it('gives up on a stream that stalls between chunks for longer than the timeout', async () => {
    // 5 s between chunks against a 0.1 s timeout: no scheduling delay closes that gap (the fake's
    // pause ends as soon as the client gives up, so the test does not wait it out).
    const s = await serve({ type: 'text', text: 'a b c', chunks: ['a ', 'b ', 'c'], delayMs: 5_000 });
    const error = await collect(clientFor(s, { timeout: 0.1 }).createStream(messages)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).message).toMatch(/stalled/);
    await expect(withTimeout(s.requests[0]!.outcome)).resolves.toBe('closed-early');
  });

  it('turns a connection dropped mid-stream into a ModelError with the cause', async () => {
    const s = await serve({ type: 'drop', text: 'partial answer' });
    const error = await collect(clientFor(s).createStream(messages)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).cause).toBeDefined();
  });

  it('passes reasoning_content through as the thought', async () => {
    const s = await serve({ type: 'text', text: 'Answer', reasoning: 'Thinking it over' });
    const { result } = await collect(clientFor(s).createStream(messages));

    expect(result).toMatchObject({ content: 'Answer', thought: 'Thinking it over' });
  });

  it('talks to a local server with no key when base_url is set', async () => {
    const s = await serve({ type: 'text', text: 'no key needed' });
    const client = new OpenAIChatCompletionClient({ model: 'local-model', base_url: s.baseUrl }, local);

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'no key needed' });
  });

  it('takes the base URL and key from the server credentials when the config has none, and never puts them in toConfig()', async () => {
    const s = await serve({ type: 'text', text: 'from env' });
    const credentials = { openai: { apiKey: 'env-key', endpoint: s.baseUrl }, openaiBaseUrl: s.baseUrl };
    const client = new OpenAIChatCompletionClient({ model: 'gpt-4o', max_retries: 0 }, { ...local, credentials });

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'from env' });
    expect(s.requests[0]!.headers.authorization).toBe('Bearer env-key');
    expect(client.toConfig()).toEqual({ model: 'gpt-4o', max_retries: 0 });
  });

  it('fails at call time, naming OPENAI_API_KEY, when there is neither key nor base URL', async () => {
    const client = new OpenAIChatCompletionClient({ model: 'gpt-4o' }, local);

    await expect(client.create(messages)).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it('refuses a config whose known keys have the wrong type, naming the key', () => {
    expect(() => OpenAIChatCompletionClient.fromConfig({ model: 'gpt-4o', temperature: 'hot' })).toThrow(ConfigError);
    expect(() => OpenAIChatCompletionClient.fromConfig({ model: 'gpt-4o', temperature: 'hot' })).toThrow(/config\.temperature/);
    expect(() => OpenAIChatCompletionClient.fromConfig({ temperature: 0 })).toThrow(/config\.model/);
  });

  it('derives model info from the config, then from known model names', () => {
    const info = { vision: false, function_calling: false, json_output: false, family: 'custom' };
    expect(new OpenAIChatCompletionClient({ model: 'x', model_info: info }, local).modelInfo).toMatchObject(info);
    expect(new OpenAIChatCompletionClient({ model: 'gpt-4o-mini' }, local).modelInfo).toMatchObject({
      vision: true,
      function_calling: true,
      json_output: true,
    });
    expect(new OpenAIChatCompletionClient({ model: 'llama3' }, local).modelInfo).toMatchObject({ function_calling: true });
  });
});

describe(AzureOpenAIChatCompletionClient.name, () => {
  it('posts to the deployment path with the api-version and the api-key header', async () => {
    const s = await serve({ type: 'text', text: 'from azure' });
    const client = new AzureOpenAIChatCompletionClient(
      { model: 'gpt-4o', azure_endpoint: s.url, azure_deployment: 'my-deploy', api_version: '2024-06-01', api_key: 'azure-key', max_retries: 0 },
      local,
    );
    const { deltas, result } = await collect(client.createStream(messages));

    expect(deltas.join('')).toBe('from azure');
    expect(result.content).toBe('from azure');
    expect(s.requests[0]!.url).toBe('/openai/deployments/my-deploy/chat/completions?api-version=2024-06-01');
    expect(s.requests[0]!.headers['api-key']).toBe('azure-key');
  });

  it('fails at call time without a key, naming AZURE_OPENAI_API_KEY', async () => {
    const client = new AzureOpenAIChatCompletionClient({ azure_endpoint: 'http://127.0.0.1:9', azure_deployment: 'd', api_version: 'v' }, local);

    await expect(client.create(messages)).rejects.toThrow(/AZURE_OPENAI_API_KEY/);
  });
});

function withTimeout<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}
