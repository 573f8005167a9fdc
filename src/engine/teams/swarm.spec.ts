import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { HandoffTermination } from '../conditions/text-conditions.js';
import { ConfigError } from '../errors.js';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
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
    expect(result.messages.filter((m) => m.type !== 'ToolCallRequestEvent' && m.type !== 'ToolCallExecutionEvent').map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'HandoffMessage:alice',
      'TextMessage:bob',
      'TextMessage:bob',
    ]);
  });

  it('accepts a hand-off to a HandoffTermination target and refuses one to nobody, naming the path', () => {
    expect(
      () => new Swarm({ participants: [agent('a', ['user'])], terminationCondition: new HandoffTermination('user') }),
    ).not.toThrow();
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
});
