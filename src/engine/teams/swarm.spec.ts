import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { HandoffTermination } from '../conditions/text-conditions.js';
import { ConfigError } from '../errors.js';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
import { tool } from '../tools/tool.js';
import { z } from 'zod';
import { Swarm } from './swarm.js';

const agent = (name: string, handoffs: string[], replies: Parameters<typeof toolCalls>[0][] | string[] = []) =>
  new AssistantAgent({
    name,
    handoffs,
    modelClient: new RecordingReplayClient(replies.map((r) => (typeof r === 'string' ? r : toolCalls(r)))),
  });

describe(Swarm.name, () => {
  it('starts with the first participant, then follows the latest hand-off', async () => {
    const team = new Swarm({
      participants: [agent('alice', ['bob'], [['transfer_to_bob', {}]]), agent('bob', ['alice'], ['hi', 'again'])],
      maxTurns: 3,
    });
    const result = await team.run('go');
    expect(
      result.messages.filter((m) => m.type !== 'ToolCallRequestEvent' && m.type !== 'ToolCallExecutionEvent').map((m) => `${m.type}:${m.source}`),
    ).toEqual(['TextMessage:user', 'HandoffMessage:alice', 'TextMessage:bob', 'TextMessage:bob']);
  });

  it('accepts a hand-off to a HandoffTermination target and refuses one to nobody, naming the path', () => {
    expect(() => new Swarm({ participants: [agent('a', ['user'])], terminationCondition: new HandoffTermination('user') })).not.toThrow();
    let error: unknown;
    try {
      new Swarm({ participants: [agent('a', []), agent('b', ['a', 'ghost'])] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('config.participants[1].config.handoffs[1]');
    expect((error as ConfigError).message).toContain('"ghost"');
  });

  it('carries the turn’s other tool calls and results in the hand-off’s context, into the receiver’s model request (AgentChat)', async () => {
    // AgentChat's AssistantAgent: every call of the step runs, the first hand-off wins, its
    // HandoffMessage.context holds [AssistantMessage(other calls), FunctionExecutionResultMessage(their
    // results)], and the receiving AssistantAgent adds that context to its model context before the hand-off.
    const forecast = tool({
      name: 'weather_forecast',
      description: 'The forecast for a city.',
      parameters: z.object({ city: z.string() }),
      execute: ({ city }) => `Sunny in ${city}`,
    });
    const sales = new RecordingReplayClient(['Here is an offer.']);
    const triage = new AssistantAgent({
      name: 'triage',
      handoffs: ['sales', 'repairs'],
      tools: [forecast],
      modelClient: new RecordingReplayClient([
        toolCalls(['weather_forecast', { city: 'Paris' }], ['transfer_to_sales', {}], ['transfer_to_repairs', {}]),
      ]),
    });
    const team = new Swarm({
      participants: [
        triage,
        new AssistantAgent({ name: 'sales', modelClient: sales }),
        new AssistantAgent({ name: 'repairs', modelClient: new RecordingReplayClient([]) }),
      ],
      maxTurns: 2,
    });
    const result = await team.run('Weather, then buy?');
    const executed = result.messages.find((m) => m.type === 'ToolCallExecutionEvent');
    expect(executed?.type === 'ToolCallExecutionEvent' && executed.content.map((r) => r.name)).toEqual([
      'weather_forecast',
      'transfer_to_sales',
      'transfer_to_repairs',
    ]);
    const handoff = result.messages.find((m) => m.type === 'HandoffMessage');
    expect(handoff).toMatchObject({ source: 'triage', target: 'sales' });
    expect(handoff?.type === 'HandoffMessage' && handoff.context).toEqual([
      {
        type: 'AssistantMessage',
        source: 'triage',
        content: [{ id: 'call_1_weather_forecast', name: 'weather_forecast', arguments: '{"city":"Paris"}' }],
      },
      {
        type: 'FunctionExecutionResultMessage',
        content: [{ content: 'Sunny in Paris', name: 'weather_forecast', call_id: 'call_1_weather_forecast', is_error: false }],
      },
    ]);
    // The receiver's request: system, the task, the forecast call and its result, then the hand-off.
    expect(sales.calls[0]!.messages.map((m) => m.type)).toEqual([
      'SystemMessage',
      'UserMessage',
      'AssistantMessage',
      'FunctionExecutionResultMessage',
      'UserMessage',
    ]);
    expect(JSON.stringify(sales.calls[0]!.messages)).toContain('Sunny in Paris');
  });

  it('carries the model’s thought as the context of a hand-off with no other tool call (AgentChat)', async () => {
    const sales = new RecordingReplayClient(['Here is an offer.']);
    const thinking = { ...(toolCalls(['transfer_to_sales', {}]) as object), thought: 'The user wants to buy.' } as ReturnType<typeof toolCalls>;
    const team = new Swarm({
      participants: [
        new AssistantAgent({ name: 'triage', handoffs: ['sales'], modelClient: new RecordingReplayClient([thinking]) }),
        new AssistantAgent({ name: 'sales', modelClient: sales }),
      ],
      maxTurns: 2,
    });
    const result = await team.run('Buy?');
    const handoff = result.messages.find((m) => m.type === 'HandoffMessage');
    expect(handoff?.type === 'HandoffMessage' && handoff.context).toEqual([
      { type: 'AssistantMessage', source: 'triage', content: 'The user wants to buy.' },
    ]);
    expect(sales.calls[0]!.messages.some((m) => m.type === 'AssistantMessage' && m.content === 'The user wants to buy.')).toBe(true);
  });
});
