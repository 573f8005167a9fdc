import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { ConfigError } from '../errors.js';
import { RoundRobinGroupChat } from '../teams/round-robin-group-chat.js';
import { fixtureLoadContext, readFixture } from '../../../test/support/engine/fixtures.js';
import type { ComponentModel } from './component-model.js';
import { dumpComponent } from './dump.js';
import { loadComponent, loadTeam } from './loader.js';
import { knownProviders } from './registry.js';
import { validateComponent } from './validate.js';

const ctx = fixtureLoadContext();
const pinnedNode = { name: 'node-s', command: 'node', args: ['s.js'], env: {}, allow_env: [] };
const replay = (...chat_completions: string[]): ComponentModel => ({
  provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
  config: { chat_completions },
});
const assistant = (name: string, extra: Record<string, unknown> = {}): ComponentModel => ({
  provider: 'AssistantAgent',
  config: { name, model_client: replay('hi'), ...extra },
});
const team = (participants: ComponentModel[], extra: Record<string, unknown> = {}): ComponentModel => ({
  provider: 'RoundRobinGroupChat',
  config: { participants, ...extra },
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe(loadComponent.name, () => {
  it('accepts short aliases and fills in AgentChat defaults', () => {
    const loaded = loadTeam(team([assistant('a')]), ctx);
    expect(loaded).toBeInstanceOf(RoundRobinGroupChat);
    expect(loaded.participants[0]).toBeInstanceOf(AssistantAgent);
    expect(dumpComponent(loaded.participants[0])).toMatchObject({
      provider: 'autogen_agentchat.agents.AssistantAgent',
      component_type: 'agent',
      version: 1,
      component_version: 1,
      label: 'AssistantAgent',
      config: {
        name: 'a',
        description: 'An agent that provides assistance with ability to use tools.',
        handoffs: [],
        model_client_stream: false,
        reflect_on_tool_use: false,
        tool_call_summary_format: '{result}',
        max_tool_iterations: 1,
        model_context: { provider: 'autogen_core.model_context.UnboundedChatCompletionContext', config: {} },
      },
    });
  });

  it('names the JSON path of a bad value, from zod or from a constructor', () => {
    expect(configError(() => loadTeam(team([assistant('a', { max_tool_iterations: 0 })]), ctx)).path).toBe(
      'config.participants[0].config.max_tool_iterations',
    );
    expect(configError(() => loadTeam(team([assistant('a'), assistant('a')]), ctx)).path).toBe('config.participants[1].config.name');
    expect(configError(() => loadTeam(team([assistant('a', { model_client: { provider: 'x' } })]), ctx)).path).toBe(
      'config.participants[0].config.model_client.config',
    );
    const temperature = configError(() =>
      loadTeam(
        team([assistant('a', { model_client: { provider: 'OpenAIChatCompletionClient', config: { model: 'gpt-4o', temperature: 9 } } })]),
        ctx,
      ),
    );
    expect(temperature.path).toBe('config.participants[0].config.model_client.config.temperature');
  });

  it('refuses a component of the wrong type where another is expected', () => {
    const error = configError(() => loadTeam(team([replay('x')]), ctx));
    expect(error.message).toBe(
      'config.participants[0]: expected a agent component, but "autogen_ext.models.replay.ReplayChatCompletionClient" is a model',
    );
    expect(configError(() => loadTeam(assistant('a'), ctx)).message).toContain('expected a team component');
    expect(configError(() => loadTeam('not json', ctx)).message).toContain('not a component');
  });

  it('loads every termination condition and writes it back', () => {
    const conditions: ComponentModel[] = [
      { provider: 'TextMentionTermination', config: { text: 'X' } },
      { provider: 'MaxMessageTermination', config: { max_messages: 3, include_agent_event: true } },
      { provider: 'HandoffTermination', config: { target: 'user' } },
      { provider: 'TimeoutTermination', config: { timeout_seconds: 30 } },
      { provider: 'TokenUsageTermination', config: { max_total_token: 100 } },
      { provider: 'StopMessageTermination', config: {} },
      { provider: 'ExternalTermination', config: {} },
      { provider: 'SourceMatchTermination', config: { sources: ['a'] } },
      { provider: 'TextMessageTermination', config: { source: 'a' } },
    ];
    const and: ComponentModel = { provider: 'AndTerminationCondition', config: { conditions } };
    const or: ComponentModel = { provider: 'OrTerminationCondition', config: { conditions: [and] } };
    const dumped = dumpComponent(loadComponent(or, ctx, 'termination'));
    const inner = (dumped.config.conditions as ComponentModel[])[0]!.config.conditions as ComponentModel[];
    expect(inner.map((c) => [c.provider.split('.').pop(), c.config])).toEqual(conditions.map((c) => [c.provider, c.config]));
    expect(configError(() => loadComponent({ provider: 'TokenUsageTermination', config: {} }, ctx)).path).toBe('config');
  });

  it('loads a buffered model context, an OpenAI client with the context’s credentials, and a pinned MCP workbench', () => {
    const agent = loadComponent(
      assistant('a', {
        model_client: { provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient', config: { model: 'gpt-4o-mini' } },
        model_context: { provider: 'BufferedChatCompletionContext', config: { buffer_size: 5 } },
        workbench: [{ provider: 'McpWorkbench', config: { server_params: { type: 'StdioServerParams', command: 'node', args: ['s.js'] } } }],
      }),
      { ...ctx, credentials: { openai: { apiKey: 'k', endpoint: 'https://api.openai.com/v1' } }, mcpServers: [pinnedNode] },
      'agent',
    );
    const config = (agent as AssistantAgent).toConfig();
    expect(config.model_context).toMatchObject({ provider: 'autogen_core.model_context.BufferedChatCompletionContext', config: { buffer_size: 5 } });
    expect(config.model_client).toMatchObject({ provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient', config: { model: 'gpt-4o-mini' } });
    expect(config.workbench).toMatchObject([{ provider: 'autogen_ext.tools.mcp.McpWorkbench' }]);
  });

  it('refuses an MCP stdio command that is not pinned, at its path', () => {
    const error = configError(() =>
      loadTeam(
        team([
          assistant('a', {
            workbench: [
              { provider: 'autogen_ext.tools.mcp.McpWorkbench', config: { server_params: { type: 'StdioServerParams', command: 'bash', args: [] } } },
            ],
          }),
        ]),
        ctx,
      ),
    );
    expect(error.path).toBe('config.participants[0].config.workbench[0].config.server_params.command');
  });

  it('knows every provider of protocol §1.9', () => {
    expect(knownProviders()).toEqual(
      expect.arrayContaining([
        'autogen_agentchat.teams.RoundRobinGroupChat',
        'autogen_agentchat.teams.SelectorGroupChat',
        'autogen_agentchat.teams.Swarm',
        'autogen_agentchat.agents.AssistantAgent',
        'autogen_agentchat.agents.UserProxyAgent',
        'autogen_ext.models.openai.OpenAIChatCompletionClient',
        'autogen_ext.models.openai.AzureOpenAIChatCompletionClient',
        'autogen_ext.models.replay.ReplayChatCompletionClient',
        'autogen_core.tools.FunctionTool',
        'autogen_core.tools.StaticWorkbench',
        'autogen_ext.tools.mcp.McpWorkbench',
        'autogen_core.model_context.UnboundedChatCompletionContext',
        'autogen_core.model_context.BufferedChatCompletionContext',
        'autogen_agentchat.base.OrTerminationCondition',
        'autogen_agentchat.base.AndTerminationCondition',
      ]),
    );
  });
});

describe(validateComponent.name, () => {
  it('says a good component is valid', () => {
    expect(validateComponent(readFixture('weather-tool'), ctx)).toEqual({ is_valid: true, errors: [], warnings: [] });
  });

  it('reports the field, the error and a suggestion', () => {
    const result = validateComponent(team([assistant('a', { model_client: { provider: 'foo.Bar', config: {} } })]), ctx);
    expect(result.is_valid).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ field: 'config.participants[0].config.model_client', error: 'unknown provider "foo.Bar"' });
    expect(result.errors[0]!.suggestion).toContain('autogen_agentchat.teams.RoundRobinGroupChat');
    expect(validateComponent({ config: {} }, ctx).errors[0]).toMatchObject({ field: 'provider' });
  });
});
