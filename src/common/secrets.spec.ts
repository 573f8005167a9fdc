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
          model_client: { provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient', config: { model: 'gpt-4o', api_key: apiKey, max_tokens: 100 } },
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
