import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { UserProxyAgent } from '../agents/user-proxy-agent.js';
import { MaxMessageTermination } from '../conditions/limit-conditions.js';
import { TextMentionTermination } from '../conditions/text-conditions.js';
import { CancelledError, ConfigError, ModelError, RunStateError } from '../errors.js';
import { createMessage, type AgentMessage } from '../messages.js';
import { tool } from '../tools/tool.js';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import { RoundRobinGroupChat } from './round-robin-group-chat.js';
import { isTaskResult, type TeamStreamItem } from './team.js';

const agent = (name: string, replies: string[], stream = false) =>
  new AssistantAgent({ name, modelClient: new RecordingReplayClient(replies), modelClientStream: stream, systemMessage: null });

async function collect(stream: AsyncIterable<TeamStreamItem>): Promise<TeamStreamItem[]> {
  const items: TeamStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe(RoundRobinGroupChat.name, () => {
  it('yields the task, then each turn in order, then the TaskResult without chunks', async () => {
    const team = new RoundRobinGroupChat({
      participants: [agent('a', ['one two'], true), agent('b', ['three TERMINATE'])],
      terminationCondition: new TextMentionTermination('TERMINATE'),
    });
    const items = await collect(team.runStream('go'));
    const result = items.at(-1)!;
    expect(isTaskResult(result)).toBe(true);
    const messages = items.slice(0, -1) as AgentMessage[];
    expect(messages.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'ModelClientStreamingChunkEvent:a',
      'ModelClientStreamingChunkEvent:a',
      'TextMessage:a',
      'TextMessage:b',
    ]);
    expect(isTaskResult(result) && result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    expect(isTaskResult(result) && result.messages.map((m) => m.type)).toEqual(['TextMessage', 'TextMessage', 'TextMessage']);
  });

  it('gives each agent everything said since its last turn', async () => {
    const a = new RecordingReplayClient(['a1', 'a2']);
    const b = new RecordingReplayClient(['b1', 'b2']);
    const team = new RoundRobinGroupChat({
      participants: [
        new AssistantAgent({ name: 'a', modelClient: a, systemMessage: null }),
        new AssistantAgent({ name: 'b', modelClient: b, systemMessage: null }),
      ],
      maxTurns: 4,
    });
    const result = await team.run('task');
    expect(result.stop_reason).toBe('Maximum number of turns 4 reached.');
    expect(a.calls[1]!.messages.map((m) => [m.type, 'source' in m ? m.source : ''])).toEqual([
      ['UserMessage', 'user'],
      ['AssistantMessage', 'a'],
      ['UserMessage', 'b'],
    ]);
    expect(b.calls[0]!.messages.map((m) => m.content)).toEqual(['task', 'a1']);
  });

  it('checks termination on the task too, and resets a fired condition for the next run', async () => {
    const condition = new MaxMessageTermination(2);
    const team = new RoundRobinGroupChat({ participants: [agent('a', ['x', 'y'])], terminationCondition: condition });
    expect((await team.run('first')).stop_reason).toBe('Maximum number of messages 2 reached, current message count: 2');
    expect(condition.terminated).toBe(false);
    const second = await team.run([createMessage('TextMessage', 'user', { content: 'again' })]);
    expect(second.messages.map((m) => m.source)).toEqual(['user', 'a']);
  });

  it('refuses a second concurrent run and duplicate participant names', async () => {
    const team = new RoundRobinGroupChat({ participants: [new UserProxyAgent({ name: 'u' })], maxTurns: 1 });
    const controller = new AbortController();
    const first = team.runStream('go', { signal: controller.signal, io: new ScriptedIOStream() });
    await first.next();
    await expect(team.run('again')).rejects.toThrow(RunStateError);
    controller.abort('done');
    await expect(collect(first)).rejects.toThrow(CancelledError);
    expect(() => new RoundRobinGroupChat({ participants: [agent('a', []), agent('a', [])] })).toThrow(ConfigError);
  });

  it('on abort mid-stream, throws CancelledError with the reason', async () => {
    const team = new RoundRobinGroupChat({ participants: [agent('a', ['many words streamed one by one here'], true)] });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const item of team.runStream('go', { signal: controller.signal })) {
        if (!isTaskResult(item)) seen.push(item.type);
        if (seen.length === 3) controller.abort('User requested stop');
      }
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).reason).toBe('User requested stop');
    expect(seen).toEqual(['TextMessage', 'ModelClientStreamingChunkEvent', 'ModelClientStreamingChunkEvent']);
  });

  it('does not wait for a tool that ignores the signal', async () => {
    let called!: () => void;
    const toolCalled = new Promise<void>((resolve) => (called = resolve));
    const stuck = tool({
      name: 'stuck',
      description: 'never returns',
      parameters: z.object({}),
      execute: () => (called(), new Promise(() => undefined)),
    });
    const team = new RoundRobinGroupChat({
      participants: [new AssistantAgent({ name: 'a', modelClient: new RecordingReplayClient([toolCalls(['stuck', {}])]), tools: [stuck] })],
    });
    const controller = new AbortController();
    const done = collect(team.runStream('go', { signal: controller.signal }));
    await toolCalled; // the team is now waiting on the stuck tool
    controller.abort('Server shutdown');
    await expect(done).rejects.toThrow('Server shutdown');
    // The team is free again afterwards.
    await expect(team.reset()).resolves.toBeUndefined();
  });

  it('lets a model error through', async () => {
    const team = new RoundRobinGroupChat({ participants: [agent('a', [])] });
    await expect(team.run('go')).rejects.toThrow(ModelError);
  });

  it('emits SelectSpeakerEvents with emit_team_events', async () => {
    const team = new RoundRobinGroupChat({ participants: [agent('a', ['x'])], maxTurns: 1, emitTeamEvents: true });
    const result = await team.run('go');
    expect(result.messages.map((m) => m.type)).toEqual(['TextMessage', 'SelectSpeakerEvent', 'TextMessage']);
  });

  it('writes itself back as its config', () => {
    const team = new RoundRobinGroupChat({ participants: [agent('a', ['x'])], maxTurns: 3, terminationCondition: new TextMentionTermination('T') });
    expect(team.toConfig()).toMatchObject({
      participants: [{ provider: 'autogen_agentchat.agents.AssistantAgent', config: { name: 'a' } }],
      termination_condition: { provider: 'autogen_agentchat.conditions.TextMentionTermination', config: { text: 'T' } },
      max_turns: 3,
      emit_team_events: false,
    });
  });
});
