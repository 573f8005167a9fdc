/**
 * The catalogue fixtures (test/fixtures/teams/catalog-*.json), run as an AGS user would run them:
 * each replay team to its stop reason with the speakers AgentChat's team would give (GraphFlow's
 * review loop, fan-out and join; a SocietyOfMindAgent; a team as a participant; MagenticOne's
 * ledgers). That they load and round-trip is checked with every fixture in fixtures.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadTeam } from '../components/loader.js';
import type { TaskResult } from '../messages.js';
import { fixtureLoadContext, fixtureNames, readFixture } from '../../../test/support/engine/fixtures.js';
import { isTaskResult } from './team.js';

async function runFixture(name: string, task: string): Promise<TaskResult> {
  const team = loadTeam(readFixture(name), fixtureLoadContext());
  for await (const item of team.runStream(task)) if (isTaskResult(item)) return item;
  throw new Error('no result');
}

describe('catalogue fixtures', () => {
  it('are there', () => {
    expect(fixtureNames()).toEqual(
      expect.arrayContaining(['catalog-graph-flow.json', 'catalog-magentic-one.json', 'catalog-nested-team.json', 'catalog-society-of-mind.json']),
    );
  });

  it('catalog-graph-flow: a review loop, then a fan-out to two checkers and their join', async () => {
    const result = await runFixture('catalog-graph-flow', 'Write one sentence about the sea.');
    const speakers = result.messages.map((m) => m.source);
    expect(speakers.slice(0, 5)).toEqual(['user', 'writer', 'reviewer', 'writer', 'reviewer']);
    expect(speakers.slice(5, 7).sort()).toEqual(['fact_checker', 'style_checker']);
    expect(speakers.slice(7)).toEqual(['publisher']);
    expect(result.stop_reason).toBe('Digraph execution is complete');
  });

  it('catalog-society-of-mind: the inner team streams, the society answers, the translator ends it', async () => {
    const result = await runFixture('catalog-society-of-mind', 'Write a line about the sea.');
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'poet', 'critic', 'society', 'translator']);
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('catalog-nested-team: the review team speaks as one participant', async () => {
    const result = await runFixture('catalog-nested-team', 'Write a slogan.');
    expect(result.messages.map((m) => m.source)).toEqual(['user', 'writer', 'critic1', 'critic2', 'writer']);
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('catalog-magentic-one: ledger, two instructions, the final answer, stopped with the ledger reason', async () => {
    const result = await runFixture('catalog-magentic-one', 'How tall is the Eiffel Tower?');
    expect(result.messages.map((m) => m.source)).toEqual([
      'user',
      'MagenticOneOrchestrator',
      'MagenticOneOrchestrator',
      'researcher',
      'MagenticOneOrchestrator',
      'writer',
      'MagenticOneOrchestrator',
    ]);
    expect(result.stop_reason).toBe('The height was found and written.');
  });
});
