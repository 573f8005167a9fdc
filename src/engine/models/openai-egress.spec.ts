/**
 * The model clients under the egress policy: which key goes where, which destinations are
 * refused, and what of an upstream's error answer reaches the caller.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../../../test/fakes/chat-completions-server.js';
import { EgressPolicy, parseEgressAllow, sameEndpoint, serverEgressPolicy, type ServerCredentials } from '../egress/index.js';
import { ConfigError, ModelError } from '../errors.js';
import type { LLMMessage } from './model-client.js';
import { AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient } from './openai-client.js';

const messages: LLMMessage[] = [{ type: 'UserMessage', content: 'Hi', source: 'user' }];
const SERVER_KEY = 'sk-server-own-key';
const loopback = () => new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });

let fake: ChatCompletionsServer | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await new Promise((done) => (raw ? raw.close(done) : done(undefined)));
  raw = undefined;
});

async function reply(text = 'ok'): Promise<ChatCompletionsServer> {
  fake = await startChatCompletionsServer([{ type: 'text', text }]);
  return fake;
}

/** A server that answers every request with one fixed status, content type and body. */
async function answering(status: number, contentType: string, body: string): Promise<{ url: string; headers: IncomingHttpHeaders[] }> {
  const headers: IncomingHttpHeaders[] = [];
  raw = createServer((req, res) => {
    headers.push(req.headers);
    req.resume();
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  });
  await new Promise<void>((ready) => raw!.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`, headers };
}

describe('OpenAIChatCompletionClient under the egress policy', () => {
  it('does not send the server key to a base_url the config chose', async () => {
    const s = await reply();
    const credentials: ServerCredentials = { openai: { apiKey: SERVER_KEY, endpoint: 'https://api.openai.com/v1' } };
    const client = new OpenAIChatCompletionClient({ model: 'm', base_url: s.baseUrl, max_retries: 0 }, { credentials, egress: loopback() });

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'ok' });
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(s.requests[0]!.headers)).not.toContain(SERVER_KEY);
  });

  it('sends the server key to the endpoint it belongs to, however the URL is spelled', async () => {
    const s = await reply();
    const credentials: ServerCredentials = { openai: { apiKey: SERVER_KEY, endpoint: s.baseUrl } };
    const client = new OpenAIChatCompletionClient({ model: 'm', base_url: `${s.baseUrl}/`, max_retries: 0 }, { credentials, egress: loopback() });

    await client.create(messages);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
  });

  it('sends the config’s own key wherever the config points', async () => {
    const s = await reply();
    const credentials: ServerCredentials = { openai: { apiKey: SERVER_KEY, endpoint: 'https://api.openai.com/v1' } };
    const client = new OpenAIChatCompletionClient(
      { model: 'm', base_url: s.baseUrl, api_key: 'sk-user', max_retries: 0 },
      { credentials, egress: loopback() },
    );

    await client.create(messages);
    expect(s.requests[0]!.headers.authorization).toBe('Bearer sk-user');
  });

  it('trusts the operator’s OPENAI_BASE_URL even on a private address, with no EGRESS_ALLOW', async () => {
    const s = await reply();
    const credentials: ServerCredentials = { openai: { apiKey: SERVER_KEY, endpoint: s.baseUrl }, openaiBaseUrl: s.baseUrl };
    const client = new OpenAIChatCompletionClient({ model: 'm', max_retries: 0 }, { credentials, egress: serverEgressPolicy(credentials) });

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'ok' });
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
  });

  it('refuses a loopback base_url at load time unless the operator allows it', () => {
    const build = () =>
      new OpenAIChatCompletionClient({ model: 'm', base_url: 'http://127.0.0.1:11434/v1' }, { credentials: {}, egress: new EgressPolicy() });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/config\.base_url: Refused by the egress policy: 127\.0\.0\.1 is a loopback address/);
    expect(() => new OpenAIChatCompletionClient({ model: 'm', base_url: 'http://169.254.169.254/v1' }, { credentials: {} })).toThrow(/link-local/);
  });

  it('refuses at call time a name that resolves to loopback, without a request or retries', async () => {
    const s = await reply();
    const port = new URL(s.baseUrl).port;
    const egress = new EgressPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const client = new OpenAIChatCompletionClient(
      { model: 'm', base_url: `http://models.example:${port}/v1`, max_retries: 3 },
      { credentials: {}, egress },
    );

    const error = await client.create(messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toMatch(
      /Refused by the egress policy: http:\/\/models\.example:\d+: models\.example resolves to a loopback address/,
    );
    expect(s.requests).toHaveLength(0);
  });

  it('explains a 401 from an endpoint that got no key', async () => {
    const upstream = await answering(401, 'application/json', JSON.stringify({ error: { message: 'Missing bearer token' } }));
    const credentials: ServerCredentials = { openai: { apiKey: SERVER_KEY, endpoint: 'https://api.openai.com/v1' } };
    const client = new OpenAIChatCompletionClient({ model: 'm', base_url: upstream.url, max_retries: 0 }, { credentials, egress: loopback() });

    const error = (await client.create(messages).catch((e: unknown) => e)) as ModelError;
    expect(error).toMatchObject({ status: 401 });
    expect(error.message).toMatch(
      /HTTP 401: Missing bearer token; no API key was sent: the server's own key goes only to the endpoint it belongs to/,
    );
    expect(upstream.headers[0]!.authorization).toBeUndefined();
  });

  it('never echoes an HTML error page: only the status', async () => {
    const page = '<!DOCTYPE html><html><title>Jenkins</title><body>Internal build server 10.0.0.12 — admin console</body></html>';
    const upstream = await answering(404, 'text/html', page);
    const client = new OpenAIChatCompletionClient(
      { model: 'm', base_url: upstream.url, api_key: 'k', max_retries: 0 },
      { credentials: {}, egress: loopback() },
    );

    for (const call of [() => client.create(messages), () => drain(client.createStream(messages))]) {
      const error = (await call().catch((e: unknown) => e)) as ModelError;
      expect(error).toBeInstanceOf(ModelError);
      expect(error.status).toBe(404);
      expect(error.message).toBe('Model request failed with HTTP 404');
      expect(error.message).not.toMatch(/Jenkins|html|10\.0\.0\.12/);
    }
  });

  it('passes a JSON error message on, cut to 300 characters', async () => {
    const upstream = await answering(500, 'application/json', JSON.stringify({ error: { message: `overloaded ${'z'.repeat(2000)}` } }));
    const client = new OpenAIChatCompletionClient(
      { model: 'm', base_url: upstream.url, api_key: 'k', max_retries: 0 },
      { credentials: {}, egress: loopback() },
    );

    const error = (await client.create(messages).catch((e: unknown) => e)) as ModelError;
    expect(error.message.startsWith('Model request failed with HTTP 500: overloaded zzz')).toBe(true);
    expect(error.message.length).toBeLessThan(360);
  });

  it('does not quote a non-JSON 200 body', async () => {
    const upstream = await answering(200, 'application/json', '<html>metadata service: token=abc</html>');
    const client = new OpenAIChatCompletionClient(
      { model: 'm', base_url: upstream.url, api_key: 'k', max_retries: 0 },
      { credentials: {}, egress: loopback() },
    );

    const error = (await client.create(messages).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).not.toMatch(/metadata|token|html/);
  });
});

describe('AzureOpenAIChatCompletionClient under the egress policy', () => {
  const azure = (endpoint: string) => ({ azure_endpoint: endpoint, azure_deployment: 'd', api_version: '2024-06-01', max_retries: 0 });

  it('sends the server Azure key only to AZURE_OPENAI_ENDPOINT', async () => {
    const s = await reply();
    const other: ServerCredentials = { azure: { apiKey: SERVER_KEY, endpoint: 'https://mine.openai.azure.com' } };
    const stranger = new AzureOpenAIChatCompletionClient(azure(s.url), { credentials: other, egress: loopback() });
    await expect(stranger.create(messages)).rejects.toThrow(/No Azure OpenAI API key/);
    expect(s.requests).toHaveLength(0);

    const own: ServerCredentials = { azure: { apiKey: SERVER_KEY, endpoint: s.url } };
    await new AzureOpenAIChatCompletionClient(azure(s.url), { credentials: own, egress: loopback() }).create(messages);
    expect(s.requests[0]!.headers['api-key']).toBe(SERVER_KEY);
  });

  it('refuses a private azure_endpoint at load time', () => {
    expect(() => new AzureOpenAIChatCompletionClient(azure('http://10.0.0.8'), { credentials: {} })).toThrow(
      /config\.azure_endpoint: .*private address/,
    );
  });
});

describe('response bodies past the egress limits', () => {
  it('fails a 200 answer larger than EGRESS_MAX_RESPONSE_BYTES with a ModelError naming the limit', async () => {
    const upstream = await answering(200, 'application/json', JSON.stringify({ choices: [], padding: 'p'.repeat(300_000) }));
    const egress = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxResponseBytes: 100_000 });
    const client = new OpenAIChatCompletionClient({ model: 'm', base_url: upstream.url, api_key: 'k', max_retries: 0 }, { credentials: {}, egress });

    const error = (await client.create(messages).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/^Response from 127\.0\.0\.1:\d+ is larger than 100000 bytes \(EGRESS_MAX_RESPONSE_BYTES\)$/);
  });

  it('fails a streamed answer whose one line never ends, before the SDK sees the line', async () => {
    const upstream = await answering(200, 'text/event-stream', `data: {"choices":[{"delta":{"content":"${'x'.repeat(50_000)}`);
    const egress = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxEventLineBytes: 10_000 });
    const client = new OpenAIChatCompletionClient({ model: 'm', base_url: upstream.url, api_key: 'k', max_retries: 0 }, { credentials: {}, egress });

    const error = (await drain(client.createStream(messages)).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/^Event stream from 127\.0\.0\.1:\d+ has a line longer than 10000 bytes$/);
  });
});

describe('malformed answers from a model server', () => {
  const client = (url: string) =>
    new OpenAIChatCompletionClient({ model: 'm', base_url: url, api_key: 'k', max_retries: 0 }, { credentials: {}, egress: loopback() });
  const sse = (...events: string[]) => events.map((e) => `data: ${e}\n\n`).join('');

  it.each([
    ['chunks without choices', sse('{"id":"c1","object":"chat.completion.chunk"}', '[DONE]')],
    ['choices that are not a list', sse('{"choices":5}', '[DONE]')],
    ['a choice that is not an object', sse('{"choices":[null]}', '[DONE]')],
    ['tool calls that are not a list', sse('{"choices":[{"delta":{"tool_calls":{"0":1}}}]}', '[DONE]')],
  ])('says the stream is malformed for %s, never the JS error', async (_, body) => {
    const upstream = await answering(200, 'text/event-stream', body);
    const error = (await drain(client(upstream.url).createStream(messages)).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toBe('The model server sent a malformed stream');
  });

  it('fails a streaming request answered by a 200 HTML page: no completion, not an empty message', async () => {
    const upstream = await answering(200, 'text/html', '<html><body>Welcome to nginx!</body></html>');
    const error = (await drain(client(upstream.url).createStream(messages)).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toBe("The model server's answer had no completion");
  });

  it('fails a non-streamed answer without choices, or with a choice of the wrong shape', async () => {
    for (const [body, message] of [
      ['{}', "The model server's answer had no completion"],
      ['{"choices":[]}', "The model server's answer had no completion"],
      ['{"choices":[{"finish_reason":"stop"}]}', 'The model server sent a malformed answer'],
    ] as const) {
      const upstream = await answering(200, 'application/json', body);
      const error = (await client(upstream.url)
        .create(messages)
        .catch((e: unknown) => e)) as ModelError;
      expect(error).toBeInstanceOf(ModelError);
      expect(error.message).toBe(message);
      await new Promise((done) => raw!.close(done));
      raw = undefined;
    }
  });
});

describe('the SDK reads nothing from the process environment', () => {
  const saved: Record<string, string | undefined> = {};
  const setEnv = (values: Record<string, string>) => {
    for (const [key, value] of Object.entries(values)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
      delete saved[key];
    }
  });

  it('an Azure client works while OPENAI_BASE_URL is set, and sends no OPENAI_CUSTOM_HEADERS', async () => {
    const s = await reply('azure ok');
    setEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:9/env', OPENAI_CUSTOM_HEADERS: 'x-from-env: leaked', OPENAI_API_VERSION: 'env-version' });
    const config = { azure_endpoint: s.url, azure_deployment: 'd', api_version: '2024-06-01', api_key: 'azure-key', max_retries: 0 };

    await expect(new AzureOpenAIChatCompletionClient(config, { credentials: {}, egress: loopback() }).create(messages)).resolves.toMatchObject({
      content: 'azure ok',
    });
    expect(s.requests[0]!.headers['x-from-env']).toBeUndefined();
    expect(s.requests[0]!.headers['api-key']).toBe('azure-key');
  });

  it('an OpenAI client with no base_url uses the credentials’ base URL, never OPENAI_BASE_URL or OPENAI_API_KEY from the environment', async () => {
    const s = await reply('from the configured endpoint');
    const envServer = await answering(200, 'application/json', '{}');
    setEnv({ OPENAI_BASE_URL: envServer.url, OPENAI_API_KEY: 'sk-env', OPENAI_CUSTOM_HEADERS: 'x-from-env: leaked', OPENAI_ORG_ID: 'org-env' });

    const configured: ServerCredentials = { openaiBaseUrl: s.baseUrl };
    const client = new OpenAIChatCompletionClient(
      { model: 'm', max_retries: 0 },
      { credentials: configured, egress: serverEgressPolicy(configured) },
    );
    await expect(client.create(messages)).resolves.toMatchObject({ content: 'from the configured endpoint' });
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    expect(s.requests[0]!.headers['x-from-env']).toBeUndefined();
    expect(s.requests[0]!.headers['openai-organization']).toBeUndefined();

    // Without credentials there is no server base URL or key: the official endpoint, which needs a key.
    const bare = new OpenAIChatCompletionClient({ model: 'm', max_retries: 0 }, { egress: loopback() });
    await expect(bare.create(messages)).rejects.toThrow(/No OpenAI API key/);
    expect(envServer.headers).toHaveLength(0);
  });
});

describe(sameEndpoint.name, () => {
  it('compares scheme, host, port and path, ignoring case, default ports and trailing slashes', () => {
    expect(sameEndpoint('HTTPS://API.openai.com:443/v1/', 'https://api.openai.com/v1')).toBe(true);
    expect(sameEndpoint('https://api.openai.com/v1', 'http://api.openai.com/v1')).toBe(false);
    expect(sameEndpoint('https://api.openai.com/v1', 'https://api.openai.com.evil.test/v1')).toBe(false);
    expect(sameEndpoint('https://api.openai.com/v1', 'https://api.openai.com/v2')).toBe(false);
    expect(sameEndpoint('https://api.openai.com/v1', undefined)).toBe(false);
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) void _;
}
