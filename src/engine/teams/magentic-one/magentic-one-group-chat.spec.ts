/**
 * MagenticOneGroupChat with a replay model answering the orchestrator's prompts. Expected values
 * are AgentChat's MagenticOneOrchestrator behaviour: the task ledger (facts, then plan, then one
 * ledger message to the reset team), the progress ledger's five JSON answers and its retries,
 * the stall count against max_stalls with re-planning, max_turns counted as AgentChat counts it,
 * the final answer prompt, and the stop reasons.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../../components/dump.js';
import { loadTeam } from '../../components/loader.js';
import { messageToText, type TaskResult } from '../../messages.js';
import { AssistantAgent } from '../../agents/assistant-agent.js';
import { assistant, component, RecordingReplayClient, replayModel, textMention } from '../../../../test/support/engine/catalog-configs.js';
import { fixtureLoadContext } from '../../../../test/support/engine/fixtures.js';
import { isTaskResult, type Team } from '../team.js';
import { extractJsonObjects, MagenticOneGroupChat, ORCHESTRATOR_NAME } from './magentic-one-group-chat.js';
import {
  fillPrompt,
  ORCHESTRATOR_FINAL_ANSWER_PROMPT,
  ORCHESTRATOR_PROGRESS_LEDGER_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT,
} from './prompts.js';

/** A progress ledger as the model writes it. */
function ledger(o: { satisfied?: boolean; progress?: boolean; loop?: boolean; next?: string; instruction?: string; reason?: string }): string {
  return JSON.stringify({
    is_request_satisfied: { reason: o.reason ?? 'not yet', answer: o.satisfied ?? false },
    is_in_loop: { reason: 'r', answer: o.loop ?? false },
    is_progress_being_made: { reason: 'r', answer: o.progress ?? true },
    next_speaker: { reason: 'r', answer: o.next ?? 'web' },
    instruction_or_question: { reason: 'r', answer: o.instruction ?? 'Go on.' },
  });
}

async function run(team: Team, task: string): Promise<{ said: string[]; result: TaskResult }> {
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task)) if (isTaskResult(item)) result = item;
  return {
    said: result!.messages.map(
      (m) =>
        `${m.source}: ${
          messageToText(m)
            .split('\n')
            .find((l) => l.trim()) ?? ''
        }`,
    ),
    result: result!,
  };
}

const TEAM = 'web: Searches the web.\ncoder: Writes code.';

function team(orchestrator: RecordingReplayClient, web: string[], extra: { maxTurns?: number | null; maxStalls?: number } = {}) {
  const webModel = new RecordingReplayClient(web);
  const m1 = new MagenticOneGroupChat({
    participants: [
      new AssistantAgent({ name: 'web', modelClient: webModel, description: 'Searches the web.', systemMessage: null }),
      new AssistantAgent({ name: 'coder', modelClient: new RecordingReplayClient([]), description: 'Writes code.' }),
    ],
    modelClient: orchestrator,
    ...extra,
  });
  return { m1, webModel };
}

describe('MagenticOneGroupChat (AgentChat)', () => {
  it('plans (facts, then plan), says the task ledger, instructs the chosen speaker and ends with the final answer', async () => {
    const orchestrator = new RecordingReplayClient([
      'GIVEN: France.',
      '- ask web',
      ledger({ next: 'web', instruction: 'Find the capital of France.' }),
      ledger({ satisfied: true, reason: 'The capital was found.' }),
      'The capital of France is Paris.',
    ]);
    const { m1, webModel } = team(orchestrator, ['Paris is the capital.']);
    const { said, result } = await run(m1, 'What is the capital of France?');
    expect(said).toEqual([
      'user: What is the capital of France?',
      `${ORCHESTRATOR_NAME}: We are working to address the following user request:`,
      `${ORCHESTRATOR_NAME}: Find the capital of France.`,
      'web: Paris is the capital.',
      `${ORCHESTRATOR_NAME}: The capital of France is Paris.`,
    ]);
    expect(result.stop_reason).toBe('The capital was found.');

    const task = 'What is the capital of France?';
    const ask = (content: string) => ({ type: 'UserMessage', content, source: ORCHESTRATOR_NAME });
    const ledgerText = fillPrompt(ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT, { task, team: TEAM, facts: 'GIVEN: France.', plan: '- ask web' });
    expect(orchestrator.requests[0]).toEqual([ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT, { task }))]);
    expect(orchestrator.requests[1]).toEqual([
      ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT, { task })),
      { type: 'AssistantMessage', content: 'GIVEN: France.', source: ORCHESTRATOR_NAME },
      ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT, { team: TEAM })),
    ]);
    const progressPrompt = fillPrompt(ORCHESTRATOR_PROGRESS_LEDGER_PROMPT, { task, team: TEAM, names: 'web, coder' });
    expect(progressPrompt).toContain('"is_request_satisfied": {');
    expect(orchestrator.requests[2]).toEqual([{ type: 'AssistantMessage', content: ledgerText, source: ORCHESTRATOR_NAME }, ask(progressPrompt)]);
    expect(orchestrator.requests[4]).toEqual([
      { type: 'AssistantMessage', content: ledgerText, source: ORCHESTRATOR_NAME },
      { type: 'AssistantMessage', content: 'Find the capital of France.', source: ORCHESTRATOR_NAME },
      { type: 'UserMessage', content: 'Paris is the capital.', source: 'web' },
      ask(fillPrompt(ORCHESTRATOR_FINAL_ANSWER_PROMPT, { task })),
    ]);
    // The participant hears the ledger and the instruction, never the task itself.
    expect(webModel.requests[0]).toEqual([
      { type: 'UserMessage', content: ledgerText, source: ORCHESTRATOR_NAME },
      { type: 'UserMessage', content: 'Find the capital of France.', source: ORCHESTRATOR_NAME },
    ]);
  });

  it('counts stalls; at max_stalls it rewrites facts and plan and starts the outer loop again with a reset team', async () => {
    const orchestrator = new RecordingReplayClient([
      'facts 1',
      'plan 1',
      ledger({ progress: false, instruction: 'Try 1' }),
      ledger({ loop: true, instruction: 'Try 2' }),
      'facts 2',
      'plan 2',
      ledger({ satisfied: true, reason: 'Done after re-planning.' }),
      'Final.',
    ]);
    const { m1, webModel } = team(orchestrator, ['attempt 1'], { maxStalls: 2 });
    const { said, result } = await run(m1, 'Task.');
    expect(said.map((s) => s.split(':')[0])).toEqual(['user', ORCHESTRATOR_NAME, ORCHESTRATOR_NAME, 'web', ORCHESTRATOR_NAME, ORCHESTRATOR_NAME]);
    const secondLedger = messageToText(result.messages[4]!);
    expect(secondLedger).toContain('facts 2');
    expect(secondLedger).toContain('plan 2');
    expect(result.stop_reason).toBe('Done after re-planning.');
    // The fact sheet update sees the conversation so far; the new ledger starts a fresh thread.
    expect(orchestrator.requests[4]!.map((m) => m.type)).toEqual(['AssistantMessage', 'AssistantMessage', 'UserMessage', 'UserMessage']);
    expect(orchestrator.requests[6]![0]).toEqual({ type: 'AssistantMessage', content: secondLedger, source: ORCHESTRATOR_NAME });
    // The web agent was reset by the re-plan: it remembers nothing of its first attempt.
    const state = await m1.saveState();
    expect((state.agent_states.web as { llm_context: { messages: unknown[] } }).llm_context.messages).toEqual([]);
    expect(state.selector_state).toMatchObject({ facts: 'facts 2', plan: 'plan 2', n_rounds: 3, n_stalls: 2 });
    expect(webModel.requests).toHaveLength(1);
  });

  it('stops with "Max rounds reached." after max_turns + 1 progress ledgers, as AgentChat counts rounds', async () => {
    const orchestrator = new RecordingReplayClient(['f', 'p', ledger({ instruction: 'one' }), ledger({ instruction: 'two' }), 'Best effort.']);
    const { m1 } = team(orchestrator, ['a', 'b'], { maxTurns: 1 });
    const { said, result } = await run(m1, 'Task.');
    expect(said.at(-1)).toBe(`${ORCHESTRATOR_NAME}: Best effort.`);
    expect(said.filter((s) => s.startsWith('web'))).toHaveLength(2);
    expect(result.stop_reason).toBe('Max rounds reached.');
  });

  it('asks again when the ledger is not JSON, and reads a ```json block', async () => {
    const orchestrator = new RecordingReplayClient([
      'f',
      'p',
      'I think web should go.',
      '```json\n' + ledger({ satisfied: true, reason: 'ok' }) + '\n```',
      'Final.',
    ]);
    const { m1 } = team(orchestrator, []);
    expect((await run(m1, 'Task.')).result.stop_reason).toBe('ok');
    expect(orchestrator.requests[3]).toEqual(orchestrator.requests[2]);
  });

  it('asks again when the ledger is a bare JSON value, also in a one-agent team (where the speaker is filled in)', async () => {
    const orchestrator = new RecordingReplayClient(['f', 'p', '5', ledger({ satisfied: true, reason: 'ok' }), 'Final.']);
    const m1 = new MagenticOneGroupChat({
      participants: [new AssistantAgent({ name: 'web', modelClient: new RecordingReplayClient([]), description: 'Searches the web.' })],
      modelClient: orchestrator,
    });
    expect((await run(m1, 'Task.')).result.stop_reason).toBe('ok');
    expect(orchestrator.requests[3]).toEqual(orchestrator.requests[2]);
  });

  it('fails when the ledger names someone not in the team (AgentChat gives up at once)', async () => {
    const orchestrator = new RecordingReplayClient(['f', 'p', ledger({ next: 'nobody' })]);
    const { m1 } = team(orchestrator, []);
    await expect(run(m1, 'Task.')).rejects.toThrow('Failed to parse ledger information after multiple retries.');
  });

  it('with emit_team_events, says whom it selected after the instruction (a SelectSpeakerEvent from the orchestrator)', async () => {
    const orchestrator = new RecordingReplayClient([
      'f',
      'p',
      ledger({ instruction: 'Search.' }),
      ledger({ satisfied: true, reason: 'ok' }),
      'Final.',
    ]);
    const { m1 } = team(orchestrator, ['found']);
    const events = new MagenticOneGroupChat({ participants: [...m1.participants], modelClient: orchestrator, emitTeamEvents: true });
    const { result } = await run(events, 'Task.');
    expect(result.messages.map((m) => m.type).slice(2, 5)).toEqual(['TextMessage', 'SelectSpeakerEvent', 'TextMessage']);
    expect(result.messages[3]).toMatchObject({ source: ORCHESTRATOR_NAME, content: ['web'] });
  });

  it('extracts JSON as AgentChat: the whole text, or each fenced block; another language is an error', () => {
    expect(extractJsonObjects('{"a":1}')).toEqual([{ a: 1 }]);
    expect(extractJsonObjects('x\n```json\n{"a":1}\n```\n```\n{"b":2}\n```')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(() => extractJsonObjects('```python\n{}\n```')).toThrow('Expected JSON object, but found language: python');
  });

  describe('from the config AGS writes', () => {
    const config = (termination?: ReturnType<typeof textMention>) =>
      component('autogen_agentchat.teams.MagenticOneGroupChat', 'team', {
        participants: [assistant('web', ['The answer is 4. FOUND'])],
        model_client: replayModel(['f', 'p', ledger({ instruction: 'Compute 2+2.' }), ledger({ satisfied: true, reason: 'Computed.' }), 'It is 4.']),
        ...(termination ? { termination_condition: termination } : {}),
        max_turns: 20,
        max_stalls: 3,
        final_answer_prompt: ORCHESTRATOR_FINAL_ANSWER_PROMPT,
        emit_team_events: false,
      });

    it('loads and dumps back the same', () => {
      expect(dumpComponent(loadTeam(config(), fixtureLoadContext()))).toEqual(config());
    });

    it('runs with a one-agent team (the ledger speaker is that agent) to the ledger reason', async () => {
      const { said, result } = await run(loadTeam(config(), fixtureLoadContext()), 'What is 2+2?');
      expect(said.slice(2)).toEqual([`${ORCHESTRATOR_NAME}: Compute 2+2.`, 'web: The answer is 4. FOUND', `${ORCHESTRATOR_NAME}: It is 4.`]);
      expect(result.stop_reason).toBe('Computed.');
    });

    it("stops on the termination condition after a participant's turn", async () => {
      const { said, result } = await run(loadTeam(config(textMention('FOUND')), fixtureLoadContext()), 'What is 2+2?');
      expect(said.at(-1)).toBe('web: The answer is 4. FOUND');
      expect(result.stop_reason).toBe("Text 'FOUND' mentioned");
    });
  });
});
