/**
 * saveState / loadState: a team saved after a run and loaded into a freshly built team of the same
 * config continues the conversation — same thread, same agent memories, same next speaker — and
 * anything that does not fit is refused with a RunStateError that says why.
 */
import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { UserProxyAgent } from '../agents/user-proxy-agent.js';
import { HandoffTermination, TextMentionTermination } from '../conditions/text-conditions.js';
import { MaxMessageTermination } from '../conditions/limit-conditions.js';
import { RunStateError } from '../errors.js';
import { createMessage } from '../messages.js';
import { AgentStateSchema, TeamStateSchema, type TeamState } from '../state.js';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import { RoundRobinGroupChat } from './round-robin-group-chat.js';
import { SelectorGroupChat } from './selector-group-chat.js';
import { Swarm } from './swarm.js';
import { BaseGroupChat } from './group-chat.js';

const assistant = (name: string, client: RecordingReplayClient, handoffs: string[] = []) =>
  new AssistantAgent({ name, modelClient: client, systemMessage: null, handoffs });

/** Through JSON, as a database column would store it. */
const stored = (state: TeamState): unknown => JSON.parse(JSON.stringify(state));

function roundRobin(a: RecordingReplayClient, b: RecordingReplayClient): RoundRobinGroupChat {
  return new RoundRobinGroupChat({
    participants: [assistant('a', a), assistant('b', b)],
    terminationCondition: new MaxMessageTermination(2),
  });
}

function supportSwarm(triage: RecordingReplayClient, sales: RecordingReplayClient, maxTurns?: number): Swarm {
  return new Swarm({
    participants: [assistant('triage', triage, ['sales']), assistant('sales', sales, ['triage', 'user'])],
    terminationCondition: new HandoffTermination('user'),
    maxTurns,
  });
}

async function expectRunStateError(promise: Promise<unknown>, text: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunStateError);
  expect((error as Error).message).toContain(text);
}

describe(BaseGroupChat.name, () => {
  describe('saveState / loadState', () => {
    it("RoundRobin: a fresh team continues the rotation with the thread and each agent's memory", async () => {
      const first = roundRobin(new RecordingReplayClient(['a1']), new RecordingReplayClient([]));
      await first.run('hello');
      const state = await first.saveState();
      expect(TeamStateSchema.safeParse(stored(state)).success).toBe(true);
      expect(state).toMatchObject({
        type: 'TeamState',
        version: 1,
        provider: first.provider,
        previous_speaker: 'a',
        selector_state: { next_speaker_index: 1 },
      });
      expect(state.message_thread.map((m) => `${m.source}:${m.type}`)).toEqual(['user:TextMessage', 'a:TextMessage']);
      // b has not spoken yet: what it has not seen is kept for its first turn.
      expect(state.message_buffers.b!.map((m) => m.source)).toEqual(['user', 'a']);
      expect(state.message_buffers.a).toEqual([]);

      const a = new RecordingReplayClient(['a2']);
      const b = new RecordingReplayClient(['b1']);
      const second = roundRobin(a, b);
      await second.loadState(stored(state));
      const result = await second.run('again');
      expect(result.messages.map((m) => m.source)).toEqual(['user', 'b']);
      expect(b.calls[0]!.messages.map((m) => m.content)).toEqual(['hello', 'a1', 'again']);
      expect((await second.saveState()).message_thread.map((m) => m.source)).toEqual(['user', 'a', 'user', 'b']);
    });

    it('Swarm: resumed with a hand-off from the user, the agent that handed to the user answers and remembers', async () => {
      const triage = new RecordingReplayClient([toolCalls(['transfer_to_sales', {}])]);
      const sales = new RecordingReplayClient([toolCalls(['transfer_to_user', {}])]);
      const first = supportSwarm(triage, sales);
      expect((await first.run('I want a unicycle')).stop_reason).toBe('Handoff to user from sales detected.');
      const state = stored(await first.saveState());

      const sales2 = new RecordingReplayClient(['Ordered, thank you.']);
      const second = supportSwarm(new RecordingReplayClient([]), sales2, 1);
      await second.loadState(state);
      const task = createMessage('HandoffMessage', 'user', { content: 'Yes, the red one', target: 'sales', context: [] });
      const result = await second.run(task);
      expect(result.messages.map((m) => `${m.source}:${m.type}`)).toEqual(['user:HandoffMessage', 'sales:TextMessage']);
      const seen = sales2.calls[0]!.messages;
      // Its own earlier turn (the hand-off tool call and its result) and the user's answer.
      expect(seen.map((m) => m.type)).toEqual(['UserMessage', 'UserMessage', 'AssistantMessage', 'FunctionExecutionResultMessage', 'UserMessage']);
      expect(seen.at(-1)).toMatchObject({ content: 'Yes, the red one', source: 'user' });
    });

    it('Swarm: after a hand-off to the user, a plain text task cannot pick a speaker (as in AgentChat)', async () => {
      const before = supportSwarm(
        new RecordingReplayClient([toolCalls(['transfer_to_sales', {}])]),
        new RecordingReplayClient([toolCalls(['transfer_to_user', {}])]),
      );
      await before.run('hi');
      const after = supportSwarm(new RecordingReplayClient([]), new RecordingReplayClient([]));
      await after.loadState(stored(await before.saveState()));
      await expectRunStateError(after.run('and now?'), 'sales handed off to "user", which is not a participant');
    });

    it('Selector: the previous speaker is remembered, so it is not picked again', async () => {
      const make = (selector: RecordingReplayClient, x: RecordingReplayClient, y: RecordingReplayClient) =>
        new SelectorGroupChat({ participants: [assistant('x', x), assistant('y', y)], modelClient: selector, maxTurns: 1 });
      const first = make(new RecordingReplayClient(['x']), new RecordingReplayClient(['from x']), new RecordingReplayClient([]));
      await first.run('go');
      const selector = new RecordingReplayClient([]);
      const second = make(selector, new RecordingReplayClient([]), new RecordingReplayClient(['from y']));
      await second.loadState(stored(await first.saveState()));
      const result = await second.run('next');
      // With x excluded only y is left, so the selector model is not even asked.
      expect(result.messages.map((m) => m.source)).toEqual(['user', 'y']);
      expect(selector.calls).toHaveLength(0);
    });

    it("agents: AssistantAgent keeps its whole model context, UserProxyAgent nothing; each refuses the other's state", async () => {
      const agent = assistant('a', new RecordingReplayClient(['one']));
      const proxy = new UserProxyAgent({ name: 'u' });
      const team = new RoundRobinGroupChat({ participants: [agent, proxy], terminationCondition: new TextMentionTermination('ok') });
      await team.run('start', { io: new ScriptedIOStream(['ok']) });
      const state = await team.saveState();
      expect(state.agent_states.u).toEqual({ type: 'UserProxyAgentState', version: 1 });
      expect(AgentStateSchema.parse(state.agent_states.a)).toEqual({
        type: 'AssistantAgentState',
        version: 1,
        llm_context: {
          messages: [
            { type: 'UserMessage', content: 'start', source: 'user' },
            expect.objectContaining({ type: 'AssistantMessage', content: 'one' }),
          ],
        },
      });
      await expectRunStateError(proxy.loadState(state.agent_states.a!), 'cannot load a AssistantAgentState');
      await expectRunStateError(agent.loadState(state.agent_states.u!), 'cannot load a UserProxyAgentState');
    });

    it('refuses a state of another team kind, other participants, or a bad shape', async () => {
      const rr = roundRobin(new RecordingReplayClient(['a1']), new RecordingReplayClient([]));
      await rr.run('hello');
      const state = stored(await rr.saveState()) as TeamState;
      const swarm = new Swarm({ participants: [assistant('a', new RecordingReplayClient([])), assistant('b', new RecordingReplayClient([]))] });
      await expectRunStateError(swarm.loadState(state), 'this team is a autogen_agentchat.teams.Swarm');
      const other = new RoundRobinGroupChat({
        participants: [assistant('a', new RecordingReplayClient([])), assistant('c', new RecordingReplayClient([]))],
      });
      await expectRunStateError(other.loadState(state), 'participants [a, b]; this team has [a, c]');
      await expectRunStateError(rr.loadState({ ...state, message_thread: [{ type: 'Nonsense' }] }), 'message_thread.0');
      await expectRunStateError(rr.loadState('not a state'), 'Not a saved team state');
      await expectRunStateError(rr.loadState({ ...state, selector_state: { next_speaker_index: 2 } }), 'next_speaker_index');
    });

    it('an agent that refuses its part leaves the team reset, not half loaded', async () => {
      const rr = roundRobin(new RecordingReplayClient(['a1']), new RecordingReplayClient([]));
      await rr.run('hello');
      const state = stored(await rr.saveState()) as TeamState;
      const b = new RecordingReplayClient(['b1']);
      const team = roundRobin(new RecordingReplayClient(['a2']), b);
      await team.run('first');
      const broken = { ...state, agent_states: { ...state.agent_states, b: { type: 'UserProxyAgentState', version: 1 } } };
      await expectRunStateError(team.loadState(broken), 'cannot load a UserProxyAgentState');
      const after = await team.saveState();
      expect(after.message_thread).toEqual([]);
      expect(after.selector_state).toEqual({ next_speaker_index: 0 });
      expect(after.agent_states.a).toEqual({ type: 'AssistantAgentState', version: 1, llm_context: { messages: [] } });
    });

    it('refuses to save or load while a run is going', async () => {
      const team = new RoundRobinGroupChat({ participants: [new UserProxyAgent({ name: 'u' })], maxTurns: 1 });
      const controller = new AbortController();
      const stream = team.runStream('wait', { signal: controller.signal, io: new ScriptedIOStream([]) });
      await stream.next();
      await expectRunStateError(team.saveState(), 'while it is running');
      await expectRunStateError(team.loadState({}), 'while it is running');
      controller.abort('done');
      await expect(stream.next()).rejects.toThrow('done');
    });
  });
});
