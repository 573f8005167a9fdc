/**
 * OllamaChatCompletionClient against a local fake of Ollama's `/api/chat` (test/fakes/ollama-server.ts).
 * Expected values are AgentChat's OllamaChatCompletionClient behaviour: usage from
 * prompt_eval_count / eval_count, text said with tool calls is the thought, tool arguments as
 * JSON text, done_reason mapped by normalize_stop_reason, sampling keys moved into `options`,
 * model_info from AgentChat's table when the config has none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../../../test/fakes/ollama-server.js';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { EgressPolicy, parseEgressAllow } from '../egress/index.js';
import { ConfigError, ModelError } from '../errors.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { isCreateResult, type LLMMessage, type ModelStreamItem } from './model-client.js';
import { OllamaChatCompletionClient } from './ollama-client.js';
import { TokenLimitedChatCompletionContext } from '../agents/model-context-limited.js';

const loopback = () => new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
const ctx = (egress = loopback()) => ({ tools: new ToolRegistry([]), credentials: {}, egress });
const messages: LLMMessage[] = [
  { type: 'SystemMessage', content: 'Be brief.' },
  { type: 'UserMessage', content: 'Hi', source: 'user' },
];

let ollama: OllamaServer | undefined;
afterEach(async () => {
  await ollama?.close();
  ollama = undefined;
});

/** An Ollama model client component as AGS writes it (its gallery's shape). */
function agsConfig(host: string) {
  return {
    provider: 'autogen_ext.models.ollama.OllamaChatCompletionClient',
    component_type: 'model',
    version: 1,
    component_version: 1,
    description: 'Chat completion client for Ollama hosted models.',
    label: 'OllamaChatCompletionClient',
    config: {
      model: 'qwen2.5:7b',
      host,
      options: { num_ctx: 8192 },
      temperature: 0.2,
      model_info: { vision: false, function_calling: true, json_output: true, family: 'unknown', structured_output: true },
    },
  };
}

async function collect(stream: AsyncIterable<ModelStreamItem>): Promise<ModelStreamItem[]> {
  const items: ModelStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe(OllamaChatCompletionClient.name, () => {
  it('loads from an AGS config and dumps back the same', async () => {
    ollama = await startOllamaServer([]);
    const config = agsConfig(ollama.host);
    const client = loadComponent(config, ctx(), 'model');
    expect(client).toBeInstanceOf(OllamaChatCompletionClient);
    expect(dumpComponent(client)).toEqual(config);
    expect(client.modelInfo).toEqual(config.config.model_info);
  });

  it('answers a plain create with the text, and usage from prompt_eval_count / eval_count', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'Hello!', promptEvalCount: 21, evalCount: 4 }]);
    const client = loadComponent(agsConfig(ollama.host), ctx(), 'model');

    await expect(client.create(messages)).resolves.toEqual({
      finish_reason: 'stop',
      content: 'Hello!',
      usage: { prompt_tokens: 21, completion_tokens: 4 },
      cached: false,
      model: 'qwen2.5:7b',
    });
    // The request as AgentChat builds it: top-level temperature moved into options with num_ctx.
    expect(ollama.requests[0]!.body).toEqual({
      model: 'qwen2.5:7b',
      options: { num_ctx: 8192, temperature: 0.2 },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      stream: false,
    });
  });

  it('streams NDJSON chunks as text deltas, then one result with the final counts', async () => {
    ollama = await startOllamaServer([
      { type: 'text', text: 'one two three', chunks: ['one ', 'two ', 'three'], promptEvalCount: 9, evalCount: 3, model: 'qwen2.5:7b-instruct' },
    ]);
    const client = loadComponent(agsConfig(ollama.host), ctx(), 'model');

    const items = await collect(client.createStream(messages));
    expect(items).toEqual([
      'one ',
      'two ',
      'three',
      // `model` is the one Ollama's lines name.
      {
        finish_reason: 'stop',
        content: 'one two three',
        usage: { prompt_tokens: 9, completion_tokens: 3 },
        cached: false,
        model: 'qwen2.5:7b-instruct',
      },
    ]);
    expect(ollama.requests[0]!.body.stream).toBe(true);
  });

  it('a streamed answer is not cut off by `timeout` as a whole: it bounds each wait for the server, not a consumer holding a delta', async () => {
    // As httpx's read timeout does for AgentChat. The whole answer is sent at once; the consumer
    // holds the first delta past `timeout` (1 s, set when the request began): an answer-wide
    // deadline would have aborted the body by then.
    ollama = await startOllamaServer([{ type: 'text', text: 'one two', chunks: ['one ', 'two'], promptEvalCount: 2, evalCount: 2 }]);
    const config = agsConfig(ollama.host);
    (config.config as Record<string, unknown>).timeout = 1;
    const client = loadComponent(config, ctx(), 'model');
    const items: unknown[] = [];
    for await (const item of client.createStream(messages)) {
      items.push(item);
      if (items.length === 1) await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    expect(items.at(-1)).toMatchObject({ content: 'one two', finish_reason: 'stop' });
  });

  it('reads tool calls (arguments as JSON text) with the text said alongside as the thought, streamed and not', async () => {
    const call = {
      type: 'tool_calls' as const,
      calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
      content: 'Let me check.',
      evalCount: 7,
    };
    ollama = await startOllamaServer([call, call]);
    const client = loadComponent(agsConfig(ollama.host), ctx(), 'model');
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather of a city',
        parameters: { type: 'object', properties: { city: { type: 'string', description: 'City', minLength: 1 } }, required: ['city'] },
      },
    ];

    const plain = await client.create(messages, { tools });
    expect(plain).toMatchObject({
      finish_reason: 'function_calls',
      content: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
      thought: 'Let me check.',
      usage: { prompt_tokens: 10, completion_tokens: 7 },
    });
    const streamed = (await collect(client.createStream(messages, { tools }))).filter(isCreateResult);
    expect(streamed).toEqual([
      {
        finish_reason: 'stop',
        content: [{ id: expect.any(String), name: 'get_weather', arguments: '{"city":"Paris"}' }],
        thought: 'Let me check.',
        usage: { prompt_tokens: 10, completion_tokens: 7 },
        cached: false,
        model: 'qwen2.5:7b',
      },
    ]);
    // Ollama's tool format keeps only each property's type and description (AgentChat's convert_tools).
    expect(ollama.requests[0]!.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather of a city',
          parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string', description: 'City' } } },
        },
      },
    ]);
  });

  it('sends tool calls and their results back in Ollama message form', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'Sunny.' }]);
    const client = loadComponent(agsConfig(ollama.host), ctx(), 'model');
    await client.create([
      { type: 'UserMessage', content: 'Weather?', source: 'user' },
      { type: 'AssistantMessage', content: [{ id: '0', name: 'get_weather', arguments: '{"city":"Paris"}' }], source: 'a' },
      { type: 'FunctionExecutionResultMessage', content: [{ content: 'sunny', name: 'get_weather', call_id: '0', is_error: false }] },
    ]);
    expect(ollama.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: 'sunny' },
    ]);
  });

  it('is refused by the egress policy for a loopback host the operator did not allow', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'never' }]);
    const client = loadComponent(agsConfig(ollama.host), ctx(new EgressPolicy()), 'model');
    await expect(client.create(messages)).rejects.toThrow(ModelError);
    await expect(client.create(messages)).rejects.toThrow(/Refused by the egress policy: .*loopback/);
    expect(ollama.requests).toHaveLength(0);
  });

  it("reports Ollama's own error message with the status", async () => {
    ollama = await startOllamaServer([{ type: 'error', status: 404, message: 'model "qwen2.5:7b" not found, try pulling it first' }]);
    const client = loadComponent(agsConfig(ollama.host), ctx(), 'model');
    const failure = client.create(messages);
    await expect(failure).rejects.toThrow('Ollama request failed with HTTP 404: model "qwen2.5:7b" not found, try pulling it first');
    await expect(failure).rejects.toMatchObject({ status: 404 });
  });

  it("takes model_info from AgentChat's table by model class, and refuses an unknown model without it", () => {
    const known = loadComponent({ provider: 'OllamaChatCompletionClient', config: { model: 'llama3.1:8b' } }, ctx(), 'model');
    expect(known.modelInfo).toEqual({ vision: false, function_calling: true, json_output: true, family: 'unknown', structured_output: true });
    expect(() => loadComponent({ provider: 'OllamaChatCompletionClient', config: { model: 'my-finetune' } }, ctx(), 'model')).toThrow(ConfigError);
    expect(() => loadComponent({ provider: 'OllamaChatCompletionClient', config: { model: 'my-finetune' } }, ctx(), 'model')).toThrow(/model_info/);
    const legacy = { model: 'my-finetune', model_capabilities: { vision: false, function_calling: true, json_output: false } };
    expect(loadComponent({ provider: 'OllamaChatCompletionClient', config: legacy }, ctx(), 'model').modelInfo).toEqual({
      vision: false,
      function_calling: true,
      json_output: false,
      family: 'unknown',
    });
  });

  it('refuses tools for a model without function calling and images for one without vision, before any request', async () => {
    ollama = await startOllamaServer([]);
    const info = { vision: false, function_calling: false, json_output: true, family: 'unknown' };
    const client = new OllamaChatCompletionClient({ model: 'tiny', host: ollama.host, model_info: info }, loopback());
    const tools = [{ name: 't', description: '', parameters: { type: 'object', properties: {} } }];
    await expect(client.create(messages, { tools })).rejects.toThrow(/does not support function calling/);
    const image: LLMMessage = { type: 'UserMessage', content: ['look', { url: 'data:image/png;base64,iVBORw0KGgo=' }], source: 'user' };
    await expect(client.create([image])).rejects.toThrow(/does not support vision/);
    expect(ollama.requests).toHaveLength(0);
  });

  it('sends an image as bare base64 on the user message before it; tool_choice none sends no tools', async () => {
    ollama = await startOllamaServer([
      { type: 'text', text: 'a cat' },
      { type: 'text', text: 'ok' },
    ]);
    const client = new OllamaChatCompletionClient({ model: 'llava:7b', host: ollama.host }, loopback());
    await client.create([{ type: 'UserMessage', content: ['What is this?', { url: 'data:image/png;base64,iVBORw0KGgo=' }], source: 'user' }]);
    expect(ollama.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] }]);
    await client.create(messages, { tools: [{ name: 't', description: '', parameters: { type: 'object', properties: {} } }], toolChoice: 'none' });
    expect(ollama.requests[1]!.body.tools).toBeUndefined();
  });

  it("gives a token-limited context without token_limit the model's window from AgentChat's table", () => {
    const client = new OllamaChatCompletionClient({ model: 'all-minilm' }, loopback());
    const context = new TokenLimitedChatCompletionContext(client, { tokenLimit: null });
    const texts = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(100, '.'));
    for (const content of texts) context.addMessage({ type: 'UserMessage', content, source: 'user' });
    // all-minilm's window is 256 tokens; each message estimates at 3 + 25, plus 3 for the reply:
    // 10 messages (283) are too many, 9 (255) fit once the middle one (index 5) is dropped.
    expect(client.remainingTokens([])).toBe(256 - 3);
    expect(context.getMessages().map((m) => (m.content as string)[0])).toEqual(['0', '1', '2', '3', '4', '6', '7', '8', '9']);
  });

  it('reads a host as the Ollama client does: no scheme means http on port 11434', async () => {
    const client = new OllamaChatCompletionClient({ model: 'llama3.1', host: 'ollama.invalid' }, new EgressPolicy({ resolve: async () => [] }));
    await expect(client.create(messages)).rejects.toThrow(/ollama\.invalid:11434/);
  });
});
