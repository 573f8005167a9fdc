import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { ConfigError } from '../errors.js';
import { RecordingReplayClient } from '../../../test/support/engine/recording-client.js';
import { SelectorGroupChat, mentionedAgents } from './selector-group-chat.js';

const agent = (name: string, description: string, replies: string[]) =>
  new AssistantAgent({ name, description, modelClient: new RecordingReplayClient(replies), systemMessage: null });

describe(SelectorGroupChat.name, () => {
  it('fills the prompt with roles, candidates and history, and skips the previous speaker (AgentChat: a non-OpenAI family gets a user message)', async () => {
    const selector = new RecordingReplayClient(['planner', 'writer']);
    const team = new SelectorGroupChat({
      participants: [agent('planner', 'Plans.', ['plan']), agent('writer', 'Writes.', ['text']), agent('critic', 'Reviews.', [])],
      modelClient: selector,
      selectorPrompt: 'Roles:\n{roles}\nPick from {participants}.\n{history}',
      maxTurns: 2,
    });
    const result = await team.run('write a poem');
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'planner', 'writer']);
    // The replay client's family is `unknown`: AgentChat sends the prompt as a user message.
    expect(selector.calls[0]!.messages).toEqual([
      {
        type: 'UserMessage',
        source: 'user',
        content: "Roles:\nplanner: Plans.\nwriter: Writes.\ncritic: Reviews.\nPick from ['planner', 'writer', 'critic'].\nuser: write a poem\n\n",
      },
    ]);
    // {roles} keeps every participant; only {participants} leaves out the previous speaker.
    expect(selector.calls[1]!.messages[0]!.content).toContain('Roles:\nplanner: Plans.\nwriter: Writes.\ncritic: Reviews.\n');
    expect(selector.calls[1]!.messages[0]!.content).toContain("Pick from ['writer', 'critic']");
    expect(selector.calls[1]!.messages[0]!.content).toContain('user: write a poem\n\n\nplanner: plan\n\n');
  });

  it('retries with feedback when no single name is given, then falls back to the previous speaker', async () => {
    const selector = new RecordingReplayClient(['writer', 'nobody', 'both writer and critic', 'still nobody']);
    const team = new SelectorGroupChat({
      participants: [agent('writer', 'Writes.', ['w1', 'w2']), agent('critic', 'Reviews.', [])],
      modelClient: selector,
      allowRepeatedSpeaker: true,
      maxTurns: 2,
    });
    const result = await team.run('go');
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'writer', 'writer']);
    const retry = selector.calls[3]!.messages;
    expect(retry.slice(1)).toEqual([
      { type: 'AssistantMessage', content: 'nobody', source: 'selector' },
      { type: 'UserMessage', content: "No valid name was mentioned. Please select from: ['writer', 'critic'].", source: 'user' },
      { type: 'AssistantMessage', content: 'both writer and critic', source: 'selector' },
      {
        type: 'UserMessage',
        content: "Expected exactly one name to be mentioned. Please select only one from: ['writer', 'critic'].",
        source: 'user',
      },
    ]);
  });

  it('chooses the only candidate left without asking the model, and emits SelectSpeakerEvent with emit_team_events', async () => {
    const selector = new RecordingReplayClient(['a']);
    const team = new SelectorGroupChat({
      participants: [agent('a', 'A.', ['a1']), agent('b', 'B.', ['b1'])],
      modelClient: selector,
      maxTurns: 2,
      emitTeamEvents: true,
    });
    const result = await team.run('go');
    expect(selector.calls).toHaveLength(1);
    expect(result.messages.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'SelectSpeakerEvent:SelectorGroupChatManager',
      'TextMessage:a',
      'SelectSpeakerEvent:SelectorGroupChatManager',
      'TextMessage:b',
    ]);
  });

  it.each([
    ['gpt-4o', 'SystemMessage'],
    ['o3', 'SystemMessage'],
    ['gpt-35', 'SystemMessage'],
    ['llama-3.3-70b', 'UserMessage'],
    ['claude-3-5-sonnet', 'UserMessage'],
    ['gemini-2.0-flash', 'UserMessage'],
    ['unknown', 'UserMessage'],
  ])('shapes the selector request for family %s as a lone %s (AgentChat ModelFamily.is_openai)', async (family, type) => {
    const selector = new RecordingReplayClient(['a'], {
      vision: false,
      function_calling: true,
      json_output: false,
      family,
      structured_output: false,
    });
    const team = new SelectorGroupChat({
      participants: [agent('a', 'A.', ['a1']), agent('b', 'B.', [])],
      modelClient: selector,
      maxTurns: 1,
    });
    await team.run('go');
    expect(selector.calls[0]!.messages.map((m) => m.type)).toEqual([type]);
  });

  it('with repeats not allowed, falls back to the next candidate after the previous speaker when the model keeps naming it', async () => {
    // The model always answers with the previous speaker; AgentChat's feedback is "Repeated
    // speaker is not allowed". After max_selector_attempts the speaker must still be allowed.
    const selector = new RecordingReplayClient(['user', 'user', 'user', 'writer', 'writer']);
    const team = new SelectorGroupChat({
      participants: [agent('user', 'The user.', ['u1']), agent('writer', 'Writes.', ['w1']), agent('editor', 'Edits.', ['e1'])],
      modelClient: selector,
      maxSelectorAttempts: 2,
      maxTurns: 3,
    });
    const result = await team.run('go');
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'user', 'writer', 'editor']);
    expect(selector.calls[4]!.messages.at(-1)).toEqual({
      type: 'UserMessage',
      content: "Repeated speaker is not allowed, please select a different name from: ['user', 'editor'].",
      source: 'user',
    });
  });

  it('falls back to the first candidate when there is no previous speaker and no valid name', async () => {
    const selector = new RecordingReplayClient(['nobody', 'nobody']);
    const team = new SelectorGroupChat({
      participants: [agent('planner', 'Plans.', ['p1']), agent('writer', 'Writes.', [])],
      modelClient: selector,
      maxSelectorAttempts: 2,
      maxTurns: 1,
    });
    expect((await team.run('go')).messages.map((m) => m.source)).toEqual(['user', 'planner']);
  });

  it('needs two participants', () => {
    expect(() => new SelectorGroupChat({ participants: [agent('a', 'A.', [])], modelClient: new RecordingReplayClient([]) })).toThrow(ConfigError);
  });
});

describe(mentionedAgents.name, () => {
  it('matches whole names, with underscores written as spaces', () => {
    expect(mentionedAgents('I pick sales agent.', ['sales_agent', 'triage_agent'])).toEqual(['sales_agent']);
    expect(mentionedAgents('writers', ['writer'])).toEqual([]);
    expect(mentionedAgents('writer', ['writer'])).toEqual(['writer']);
  });
});
