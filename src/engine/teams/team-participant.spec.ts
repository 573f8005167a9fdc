/**
 * Teams as participants of other teams. Expected values are AgentChat's behaviour
 * (ChatAgentContainer with a Team; BaseGroupChatManager's GroupChatTeamResponse): the inner team
 * runs on the messages buffered for it without repeating them (output_task_messages=False),
 * every chat message of its result reaches the others and the parent's termination condition,
 * it keeps its memory between its turns and a parent reset resets it.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent, loadTeam } from '../components/loader.js';
import { SelectorGroupChat } from './selector-group-chat.js';
import { TeamParticipant } from './team-participant.js';
import { ConfigError } from '../errors.js';
import { assistant, RecordingReplayClient, roundRobin, textMention } from '../../../test/support/engine/catalog-configs.js';
import { fixtureLoadContext } from '../../../test/support/engine/fixtures.js';
import { isTaskResult, type Team } from './team.js';
import { messageToText, type TaskResult } from '../messages.js';

async function run(team: Team, task: string): Promise<{ sequence: string[]; result: TaskResult }> {
  const sequence: string[] = [];
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task)) {
    if (isTaskResult(item)) result = item;
    else sequence.push(`${item.type}:${item.source}:${messageToText(item)}`);
  }
  return { sequence, result: result! };
}

function nested(outerExtra: Record<string, unknown>, criticAnswers: [string[], string[]]) {
  const inner = roundRobin([assistant('critic1', criticAnswers[0]), assistant('critic2', criticAnswers[1])], {
    name: 'review_team',
    description: 'Two critics who review a draft.',
    max_turns: 2,
  });
  return roundRobin([assistant('writer', ['draft 1', 'draft 2']), inner], outerExtra);
}

describe('a team as a participant of a team (AgentChat: Team participants)', () => {
  it('runs on what was said since its last turn, without repeating it, and its messages reach the others', async () => {
    const team = loadTeam(
      nested({ max_turns: 3 }, [
        ['too long', 'better'],
        ['too dull', 'fine'],
      ]),
      fixtureLoadContext(),
    );
    expect(team.participants.map((p) => [p.name, p.description])).toEqual([
      ['writer', 'The writer agent.'],
      ['review_team', 'Two critics who review a draft.'],
    ]);
    const { sequence, result } = await run(team, 'Write a slogan.');
    // The inner team's task (user + writer) is not streamed again: AgentChat's output_task_messages=False.
    expect(sequence).toEqual([
      'TextMessage:user:Write a slogan.',
      'TextMessage:writer:draft 1',
      'TextMessage:critic1:too long',
      'TextMessage:critic2:too dull',
      'TextMessage:writer:draft 2',
    ]);
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'writer', 'critic1', 'critic2', 'writer']);
    expect(result.stop_reason).toBe('Maximum number of turns 3 reached.');

    const state = await team.saveState();
    // The writer heard both critics (every chat message of the team's result, as GroupChatTeamResponse).
    const writerHeard = (
      state.agent_states.writer as { llm_context: { messages: { type: string; source?: string; content: unknown }[] } }
    ).llm_context.messages
      .filter((m) => m.type === 'UserMessage')
      .map((m) => `${m.source}:${String(m.content)}`);
    expect(writerHeard).toEqual(['user:Write a slogan.', 'critic1:too long', 'critic2:too dull']);
    // critic1 heard the task and the draft as its inner team's task.
    const inner = state.agent_states.review_team as unknown as {
      type: string;
      agent_states: Record<string, { llm_context: { messages: { source?: string }[] } }>;
    };
    expect(inner.type).toBe('TeamState');
    expect(inner.agent_states.critic1!.llm_context.messages.map((m) => m.source)).toEqual(['user', 'writer', 'critic1']);
  });

  it('keeps its memory between its turns: the second review continues the first', async () => {
    const team = loadTeam(
      nested({ max_turns: 4 }, [
        ['too long', 'better'],
        ['too dull', 'fine'],
      ]),
      fixtureLoadContext(),
    );
    const { sequence } = await run(team, 'Write a slogan.');
    expect(sequence.slice(-2)).toEqual(['TextMessage:critic1:better', 'TextMessage:critic2:fine']);
    const state = await team.saveState();
    const inner = state.agent_states.review_team as unknown as {
      agent_states: Record<string, { llm_context: { messages: { source?: string; content: unknown }[] } }>;
    };
    // critic1 remembers its first review, then hears critic2's and the second draft.
    expect(inner.agent_states.critic1!.llm_context.messages.map((m) => `${m.source}:${String(m.content)}`)).toEqual([
      'user:Write a slogan.',
      'writer:draft 1',
      'critic1:too long',
      'critic2:too dull',
      'writer:draft 2',
      'critic1:better',
    ]);
  });

  it("ends the parent run on a message inside the team's turn, after the team's turn", async () => {
    const team = loadTeam(nested({ termination_condition: textMention('APPROVED') }, [['APPROVED'], ['agreed']]), fixtureLoadContext());
    const { sequence, result } = await run(team, 'Write a slogan.');
    expect(sequence.map((s) => s.split(':')[1])).toEqual(['user', 'writer', 'critic1', 'critic2']);
    expect(result.stop_reason).toBe("Text 'APPROVED' mentioned");
  });

  it('saves and loads the inner team with the parent, and a parent reset resets it', async () => {
    const config = nested({ max_turns: 2 }, [
      ['too long', 'better'],
      ['too dull', 'fine'],
    ]);
    const first = loadTeam(config, fixtureLoadContext());
    await run(first, 'Write a slogan.');
    const saved = await first.saveState();
    const second = loadTeam(config, fixtureLoadContext());
    await second.loadState(JSON.parse(JSON.stringify(saved)));
    expect(await second.saveState()).toEqual(saved);
    await second.reset();
    const reset = await second.saveState();
    expect((reset.agent_states.review_team as unknown as { message_thread: unknown[] }).message_thread).toEqual([]);
  });

  it('round-trips: the participant is written as the team it is, with its name and description', () => {
    const config = nested({ max_turns: 3 }, [['a'], ['b']]);
    const dumped = dumpComponent(loadTeam(config, fixtureLoadContext()));
    expect(dumped).toEqual(config);
  });

  it('is a candidate of a SelectorGroupChat under its name and description (AgentChat lists teams in {roles})', async () => {
    const selectorModel = new RecordingReplayClient(['writer', 'review_team']);
    const inner = loadTeam(
      roundRobin([assistant('critic1', ['fine'])], { name: 'review_team', description: 'Reviews drafts.', max_turns: 1 }),
      fixtureLoadContext(),
    );
    const writer = loadComponent(assistant('writer', ['draft']), fixtureLoadContext(), 'agent');
    const team = new SelectorGroupChat({ participants: [writer, new TeamParticipant(inner)], modelClient: selectorModel, maxTurns: 2 });
    const { sequence } = await run(team, 'Write.');
    expect(sequence.map((s) => s.split(':')[1])).toEqual(['user', 'writer', 'critic1']);
    const prompt = JSON.stringify(selectorModel.requests[0]);
    expect(prompt).toContain('review_team: Reviews drafts.');
  });

  it('refuses two participants of the same name, a team among them', () => {
    const inner = roundRobin([assistant('critic', ['x'])], { name: 'writer' });
    expect(() => loadTeam(roundRobin([assistant('writer', ['x']), inner]), fixtureLoadContext())).toThrow(ConfigError);
  });
});
