/**
 * The run driver as every front end relies on it: events in the team's order, then exactly one
 * outcome; the caller's stop, the input timeout and the caps end the run `stopped` with their
 * reason; failures end it `error`. Completion and stop reasons are AgentChat's (TaskResult).
 */
import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { UserProxyAgent } from '../agents/user-proxy-agent.js';
import { TextMentionTermination } from '../conditions/text-conditions.js';
import { ConfigError, InputUnavailableError } from '../errors.js';
import { RoundRobinGroupChat } from '../teams/round-robin-group-chat.js';
import type { Team } from '../teams/team.js';
import { RecordingReplayClient } from '../../../test/support/engine/recording-client.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import { sandboxOwnerOf, setSandboxOwner } from '../sandbox/run-owner.js';
import type { Tool } from '../tools/tool.js';
import { driveTeam, INTERNAL_RUN_ERROR, stopReasons, type DriveOptions, type TeamSource } from './drive-team.js';
import type { RunEvent, RunOutcome } from './run-outcome.js';

const assistant = (name: string, replies: string[], stream = false) =>
  new AssistantAgent({ name, modelClient: new RecordingReplayClient(replies), modelClientStream: stream, systemMessage: null });

/** Two assistants that never terminate on their own (each has plenty of replies). */
const chatterTeam = (maxTurns?: number) =>
  new RoundRobinGroupChat({ participants: [assistant('a', Array(50).fill('hello a')), assistant('b', Array(50).fill('hello b'))], maxTurns });

const humanTeam = () =>
  new RoundRobinGroupChat({
    participants: [assistant('writer', ['draft', 'final TERMINATE']), new UserProxyAgent({ name: 'user' })],
    terminationCondition: new TextMentionTermination('TERMINATE'),
  });

async function drive(source: TeamSource, task: string, options?: DriveOptions): Promise<{ events: RunEvent[]; outcome: RunOutcome }> {
  const events: RunEvent[] = [];
  for await (const event of driveTeam(source, task, options)) events.push(event);
  const outcomes = events.filter((e) => e.type === 'outcome');
  expect(outcomes).toHaveLength(1);
  expect(events.at(-1)?.type).toBe('outcome');
  return { events, outcome: (outcomes[0] as Extract<RunEvent, { type: 'outcome' }>).outcome };
}

const sources = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'message' ? [`${e.message.type}:${e.message.source}`] : []));

describe(driveTeam.name, () => {
  it('yields every item in the team’s order, chunks included, then a complete outcome with usage and duration', async () => {
    const team = new RoundRobinGroupChat({
      participants: [assistant('a', ['one two'], true), assistant('b', ['three TERMINATE'])],
      terminationCondition: new TextMentionTermination('TERMINATE'),
    });
    const { events, outcome } = await drive(team, 'go');
    expect(sources(events)).toEqual([
      'TextMessage:user',
      'ModelClientStreamingChunkEvent:a',
      'ModelClientStreamingChunkEvent:a',
      'TextMessage:a',
      'TextMessage:b',
    ]);
    expect(outcome).toMatchObject({ status: 'complete', stopReason: "Text 'TERMINATE' mentioned" });
    expect(outcome.messages.map((m) => m.source)).toEqual(['user', 'a', 'b']);
    // Replay usage: prompt = tokens in the request's messages, completion = tokens in the reply.
    expect(outcome.usage.completion_tokens).toBe(4);
    expect(outcome.usage.prompt_tokens).toBeGreaterThan(0);
    expect(outcome.durationS).toBeGreaterThanOrEqual(0);
  });

  it('ends stopped with the caller’s reason when its signal aborts during an input wait', async () => {
    const controller = new AbortController();
    const io = new ScriptedIOStream();
    const run = driveTeam(humanTeam(), 'go', { signal: controller.signal, io });
    const events: RunEvent[] = [];
    for await (const event of run) {
      events.push(event);
      if (event.type === 'message' && event.message.type === 'UserInputRequestedEvent') {
        // Stop once the wait has begun (the input call happens when the next item is pulled).
        queueMicrotask(() => controller.abort('User requested stop/cancellation'));
      }
    }
    const outcome = (events.at(-1) as Extract<RunEvent, { type: 'outcome' }>).outcome;
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: 'User requested stop/cancellation' });
    expect(io.requests).toHaveLength(1);
    expect(outcome.messages.map((m) => m.type)).toEqual(['TextMessage', 'TextMessage', 'UserInputRequestedEvent']);
  });

  it('enforces the input timeout itself and tells the stream when the wait ends', async () => {
    const seen: (Date | undefined)[] = [];
    const io = new ScriptedIOStream();
    const input = io.input.bind(io);
    io.input = (prompt, options) => (seen.push(options?.timeoutAt), input(prompt, options));
    const before = Date.now();
    const { outcome } = await drive(humanTeam(), 'go', { io, limits: { inputTimeoutS: 0.05 } });
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: stopReasons.inputTimeout(0.05) });
    expect(outcome.stopReason).toBe('Input timeout after 0.05 seconds');
    expect(seen[0]!.getTime()).toBeGreaterThanOrEqual(before + 50);
  });

  it('answers input through the given stream and completes', async () => {
    const { events, outcome } = await drive(humanTeam(), 'go', { io: new ScriptedIOStream(['looks good']), limits: { inputTimeoutS: 60 } });
    expect(sources(events)).toContain('TextMessage:user');
    expect(outcome).toMatchObject({ status: 'complete', stopReason: "Text 'TERMINATE' mentioned" });
  });

  it('ends error with InputUnavailableError when a run without a human asks for one', async () => {
    const { outcome } = await drive(humanTeam(), 'go');
    expect(outcome.status).toBe('error');
    expect(outcome.status === 'error' && outcome.error).toBeInstanceOf(InputUnavailableError);
    expect(outcome.stopReason).toBe('user asked for human input, and this run has no one to answer it');
  });

  it('stops a team with no termination after RUN_MAX_TURNS agent turns', async () => {
    const { events, outcome } = await drive(chatterTeam(), 'go', { limits: { maxTurns: 3 } });
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: 'Maximum of 3 agent turns reached (RUN_MAX_TURNS)' });
    expect(sources(events)).toEqual(['TextMessage:user', 'TextMessage:a', 'TextMessage:b', 'TextMessage:a']);
  });

  it('lets a team that ends on its last allowed turn complete normally', async () => {
    const { outcome } = await drive(chatterTeam(3), 'go', { limits: { maxTurns: 3 } });
    expect(outcome).toMatchObject({ status: 'complete', stopReason: 'Maximum number of turns 3 reached.' });
  });

  it('stops a run that outlives RUN_MAX_SECONDS', async () => {
    const { outcome } = await drive(humanTeam(), 'go', { io: new ScriptedIOStream(), limits: { maxSeconds: 0.05 } });
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: 'Run time limit of 0.05 seconds reached (RUN_MAX_SECONDS)' });
  });

  it('turns a load failure into an error outcome', async () => {
    const { events, outcome } = await drive(() => {
      throw new ConfigError('config.participants', 'a team needs at least one participant');
    }, 'go');
    expect(events).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'error', stopReason: 'config.participants: a team needs at least one participant', messages: [] });
  });

  it('closes a team it loaded, and leaves a given team to its owner', async () => {
    const closed: string[] = [];
    const tracked = (name: string): Team => {
      const team = chatterTeam(1);
      team.close = async () => void closed.push(name);
      return team;
    };
    await drive(() => tracked('loaded'), 'go');
    await drive(tracked('given'), 'go');
    expect(closed).toEqual(['loaded']);
  });

  it('has left the team’s stream when the outcome arrives, so the consumer can save the team’s state', async () => {
    const team = chatterTeam(1);
    for await (const event of driveTeam(team, 'go')) {
      if (event.type === 'outcome') await expect(team.saveState()).resolves.toMatchObject({ type: 'TeamState' });
    }
  });

  it('does not show the text of an error that is not the engine’s (a bug): the outcome keeps it for the log', async () => {
    const team = chatterTeam();
    team.runStream = async function* () {
      yield* [];
      throw new TypeError("Cannot read properties of undefined (reading '0')");
    };
    const { outcome } = await drive(team, 'go');
    expect(outcome).toMatchObject({ status: 'error', stopReason: INTERNAL_RUN_ERROR });
    expect(outcome.status === 'error' && outcome.error.message).toBe("Cannot read properties of undefined (reading '0')");
  });

  it('ends error when the team stops without a TaskResult', async () => {
    const team = chatterTeam();
    team.runStream = async function* () {};
    const { outcome } = await drive(team, 'go');
    expect(outcome).toMatchObject({ status: 'error', stopReason: 'The team stopped without a result' });
  });

  it('aborts the run and closes the team when the consumer stops early', async () => {
    let signal: AbortSignal | undefined;
    let closed = false;
    const load = () => {
      const team = chatterTeam();
      const runStream = team.runStream.bind(team);
      team.runStream = (task, options) => ((signal = options?.signal), runStream(task, options));
      team.close = async () => void (closed = true);
      return team;
    };
    for await (const event of driveTeam(load, 'go')) {
      if (event.type === 'message') break;
    }
    expect(signal?.aborted).toBe(true);
    expect(closed).toBe(true);
  });

  it("a tool call sees a signal of the run's own user (the Python sandbox's per-user cap, run-owner.ts)", async () => {
    const seen: (string | undefined)[] = [];
    const whoAmI: Tool = {
      name: 'who_am_i',
      description: 'Records whose run calls it',
      schema: { name: 'who_am_i', description: 'Records whose run calls it', parameters: { type: 'object', properties: {} } },
      run: async (_args, context) => (seen.push(sandboxOwnerOf(context.signal)), { content: 'noted', isError: false }),
    };
    const call = { id: 'c1', name: 'who_am_i', arguments: '{}' };
    const model = new RecordingReplayClient([
      { finish_reason: 'function_calls', content: [call], usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false },
    ]);
    const team = new RoundRobinGroupChat({
      participants: [new AssistantAgent({ name: 'a', modelClient: model, tools: [whoAmI], systemMessage: null })],
      maxTurns: 1,
    });
    const claim = new AbortController();
    setSandboxOwner(claim.signal, 'ann');
    const { outcome } = await drive(team, 'who?', { signal: claim.signal });
    expect(outcome.status).toBe('complete');
    expect(seen).toEqual(['ann']);
  });
});
