import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json.js';
import { isSecretKey, redactSecrets, restoreSecrets, SECRET_MARKER } from './secrets.js';

const team = (apiKey: string, extra: JsonObject = {}): JsonObject => ({
  provider: 'autogen_agentchat.teams.RoundRobinGroupChat',
  config: {
    participants: [
      {
        provider: 'autogen_agentchat.agents.AssistantAgent',
        config: {
          name: 'writer',
          model_client: {
            provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
            config: { model: 'gpt-4o', api_key: apiKey, max_tokens: 100 },
          },
          workbench: [
            {
              provider: 'autogen_ext.tools.mcp.McpWorkbench',
              config: {
                server_params: {
                  type: 'StdioServerParams',
                  command: 'npx',
                  env: { GITHUB_TOKEN: 'ghp_secret', PATH: '/usr/bin' },
                  headers: { Authorization: 'Bearer abc', Accept: 'application/json' },
                },
              },
            },
          ],
        },
      },
    ],
    termination_condition: { provider: 'autogen_agentchat.conditions.TokenUsageTermination', config: { max_total_token: 1000 } },
    ...extra,
  },
});

describe(redactSecrets.name, () => {
  it('replaces api keys, secret env vars and auth headers, and nothing else', () => {
    const out = redactSecrets(team('sk-real'));
    const text = JSON.stringify(out);
    expect(text).not.toContain('sk-real');
    expect(text).not.toContain('ghp_secret');
    expect(text).not.toContain('Bearer abc');
    expect(text).toContain('"PATH":"/usr/bin"');
    expect(text).toContain('"max_tokens":100');
    expect(text).toContain('"max_total_token":1000');
    expect(text).toContain('"Accept":"application/json"');
    expect(text.split(SECRET_MARKER)).toHaveLength(4);
  });

  it('leaves the input untouched and empty or non-string values as they are', () => {
    const input = { api_key: '', password: null, token: 5, nested: { secret: 's' } };
    expect(redactSecrets(input)).toEqual({ api_key: '', password: null, token: 5, nested: { secret: SECRET_MARKER } });
    expect(input.nested.secret).toBe('s');
  });

  it('keeps a __proto__ key as data', () => {
    const input = JSON.parse('{"__proto__": {"api_key": "k"}}') as JsonObject;
    const out = redactSecrets(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
  });
});

describe(restoreSecrets.name, () => {
  it('puts the stored value back where the marker was sent', () => {
    const stored = team('sk-real');
    const edited = redactSecrets(team('ignored', { max_turns: 3 }));
    const saved = restoreSecrets(edited, stored);
    expect(saved).toEqual(team('sk-real', { max_turns: 3 }));
  });

  it('saves a new value sent in place of the marker', () => {
    expect(restoreSecrets(team('sk-new'), team('sk-old'))).toEqual(team('sk-new'));
  });

  it('drops a marker with nothing stored behind it instead of saving the marker', () => {
    const saved = restoreSecrets({ config: { api_key: SECRET_MARKER, model: 'm' } }, undefined);
    expect(saved).toEqual({ config: { model: 'm' } });
  });

  it('restores only secret keys: a marker in an ordinary field is text', () => {
    expect(restoreSecrets({ system_message: SECRET_MARKER }, { system_message: 'old' })).toEqual({ system_message: SECRET_MARKER });
  });

  describe('bound to the destination it was saved with', () => {
    const model = (config: JsonObject): JsonObject => ({ provider: 'OpenAIChatCompletionClient', config: { model: 'm', ...config } });
    const mcp = (params: JsonObject): JsonObject => ({ provider: 'McpWorkbench', config: { server_params: params } });

    it('restores the key while base_url stays the same', () => {
      const stored = model({ api_key: 'sk-alice', base_url: 'https://models.example/v1' });
      expect(restoreSecrets(model({ api_key: SECRET_MARKER, base_url: 'https://models.example/v1' }), stored)).toEqual(stored);
    });

    it.each([
      ['base_url changed', { api_key: 'sk-alice', base_url: 'https://models.example/v1' }, { base_url: 'https://attacker.example/v1' }],
      ['base_url added', { api_key: 'sk-alice' }, { base_url: 'https://attacker.example/v1' }],
      ['base_url removed', { api_key: 'sk-alice', base_url: 'https://models.example/v1' }, {}],
      ['azure_endpoint changed', { api_key: 'az-alice', azure_endpoint: 'https://a.openai.azure.com' }, { azure_endpoint: 'https://b.example' }],
    ])('drops the key when %s', (_what, before, after) => {
      const saved = restoreSecrets(model({ ...after, api_key: SECRET_MARKER }), model(before as JsonObject));
      expect(saved).toEqual(model(after as JsonObject));
      expect(JSON.stringify(saved)).not.toMatch(/alice/);
    });

    it('drops a header secret (also in default_headers) when the url or base_url it belonged to changed', () => {
      const stored = mcp({
        type: 'StreamableHttpServerParams',
        url: 'https://mcp.example/mcp',
        headers: { Authorization: 'Bearer alice', Accept: 'a' },
      });
      const moved = restoreSecrets(
        mcp({ type: 'StreamableHttpServerParams', url: 'https://evil.example/mcp', headers: { Authorization: SECRET_MARKER, Accept: 'a' } }),
        stored,
      );
      expect(moved).toEqual(mcp({ type: 'StreamableHttpServerParams', url: 'https://evil.example/mcp', headers: { Accept: 'a' } }));
      const kept = restoreSecrets(
        mcp({ type: 'StreamableHttpServerParams', url: 'https://mcp.example/mcp', headers: { Authorization: SECRET_MARKER, Accept: 'a' } }),
        stored,
      );
      expect(kept).toEqual(stored);

      const withHeaders = model({ base_url: 'https://models.example/v1', default_headers: { Authorization: 'Bearer alice' } });
      const edited = restoreSecrets(model({ base_url: 'https://evil.example/v1', default_headers: { Authorization: SECRET_MARKER } }), withHeaders);
      expect(edited).toEqual(model({ base_url: 'https://evil.example/v1', default_headers: {} }));
    });

    it('drops an HttpTool or Ollama header secret when the host, port or scheme it was sent to changed', () => {
      const http = (where: JsonObject, key: string): JsonObject => ({
        provider: 'autogen_ext.tools.http.HttpTool',
        config: { name: 't', scheme: 'https', host: 'api.example', port: 443, ...where, headers: { 'X-Api-Key': key }, json_schema: {} },
      });
      const stored = http({}, 'alice-key');
      expect(restoreSecrets(http({}, SECRET_MARKER), stored)).toEqual(stored);
      for (const moved of [{ host: 'evil.example' }, { port: 8443 }, { scheme: 'http' }] as JsonObject[]) {
        expect(JSON.stringify(restoreSecrets(http(moved, SECRET_MARKER), stored))).not.toMatch(/alice/);
      }
      const ollama = (host: string, key: string): JsonObject => ({
        provider: 'OllamaChatCompletionClient',
        config: { model: 'm', host, headers: { Authorization: key } },
      });
      expect(restoreSecrets(ollama('https://ollama.example', SECRET_MARKER), ollama('https://ollama.example', 'Bearer alice'))).toEqual(
        ollama('https://ollama.example', 'Bearer alice'),
      );
      expect(
        JSON.stringify(restoreSecrets(ollama('https://evil.example', SECRET_MARKER), ollama('https://ollama.example', 'Bearer alice'))),
      ).not.toMatch(/alice/);
    });

    it('drops an MCP env secret when the command or args that receive it changed', () => {
      const stored = mcp({ command: 'npx', args: ['-y', 'github-server@1'], env: { GITHUB_TOKEN: 'ghp_alice' } });
      const otherArgs = restoreSecrets(mcp({ command: 'npx', args: ['-y', 'other-server@1'], env: { GITHUB_TOKEN: SECRET_MARKER } }), stored);
      expect(otherArgs).toEqual(mcp({ command: 'npx', args: ['-y', 'other-server@1'], env: {} }));
      const same = restoreSecrets(mcp({ command: 'npx', args: ['-y', 'github-server@1'], env: { GITHUB_TOKEN: SECRET_MARKER } }), stored);
      expect(same).toEqual(stored);
    });

    it('keeps a new key typed in with the new destination', () => {
      const stored = model({ api_key: 'sk-alice', base_url: 'https://models.example/v1' });
      const next = model({ api_key: 'sk-new', base_url: 'https://other.example/v1' });
      expect(restoreSecrets(next, stored)).toEqual(next);
    });

    it('is not affected by a url far above the secret (a gallery’s own url)', () => {
      const gallery = (url: string, key: string): JsonObject => ({ name: 'g', url, components: { models: [model({ api_key: key })] } });
      expect(restoreSecrets(gallery('https://new.example/g.json', SECRET_MARKER), gallery('https://old.example/g.json', 'sk-alice'))).toEqual(
        gallery('https://new.example/g.json', 'sk-alice'),
      );
    });
  });

  it('never reads a stored value through the prototype chain', () => {
    expect(restoreSecrets({ constructor: { api_key: SECRET_MARKER } }, {})).toEqual({ constructor: {} });
  });
});

describe(isSecretKey.name, () => {
  it.each([
    ['api_key', undefined, true],
    ['apiKey', undefined, true],
    ['azure_ad_token', undefined, true],
    ['Authorization', 'headers', true],
    ['X-Api-Key', 'headers', true],
    ['OPENAI_API_KEY', 'env', true],
    ['PATH', 'env', false],
    ['max_tokens', undefined, false],
    ['max_total_token', undefined, false],
    ['OPENAI_API_KEY', 'config', false],
  ] as const)('%s under %s → %s', (key, parent, expected) => {
    expect(isSecretKey(key, parent)).toBe(expected);
  });
});

describe('secrets in headers and URLs', () => {
  const model = {
    provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
    config: {
      model: 'gpt-4o',
      api_key: 'sk-stored',
      base_url: 'https://gateway:pw-stored@llm.example.com/v1?api-key=k-stored&region=eu',
      default_headers: { 'Ocp-Apim-Subscription-Key': 'sub-stored', Cookie: 'session=abc', 'X-Custom-Key': 'custom', 'X-Trace': 'visible' },
    },
  };

  it('redacts credential-like default_headers and the credentials inside URLs, and nothing else', () => {
    const read = redactSecrets(model);
    expect(read.config.default_headers).toEqual({
      'Ocp-Apim-Subscription-Key': SECRET_MARKER,
      Cookie: SECRET_MARKER,
      'X-Custom-Key': SECRET_MARKER,
      'X-Trace': 'visible',
    });
    expect(read.config.base_url).toBe('https://gateway:********@llm.example.com/v1?api-key=********&region=eu');
    expect(JSON.stringify(read)).not.toMatch(/stored|abc|custom/);
  });

  it('restores all of them when the config comes back as it was read', () => {
    expect(restoreSecrets(redactSecrets(model), model)).toEqual(model);
  });

  it('drops them when the URL now points elsewhere: no stored credential follows a new endpoint', () => {
    const edited = structuredClone(redactSecrets(model));
    edited.config.base_url = 'https://gateway:********@attacker.example/v1?api-key=********';
    const saved = restoreSecrets(edited, model);
    expect(saved.config.base_url).toBe('https://gateway@attacker.example/v1');
    expect(saved.config).not.toHaveProperty('api_key');
    expect(JSON.stringify(saved)).not.toMatch(/stored/);
  });
});
