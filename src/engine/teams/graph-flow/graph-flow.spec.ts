/**
 * GraphFlow with DiGraphBuilder's graph config. Expected values are AgentChat's GraphFlow /
 * GraphFlowManager behaviour: sequential chains, fan-out (the ready nodes speak in one round),
 * joins ("all" waits for every parent, "any" for one), string conditions on the last message,
 * cycles with an exit condition, the entry point, "Digraph execution is complete", and
 * graph_validate's refusals.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../../components/dump.js';
import { loadTeam } from '../../components/loader.js';
import { validateComponent } from '../../components/validate.js';
import { ConfigError } from '../../errors.js';
import { createMessage, messageToText, type ChatMessage, type TaskResult } from '../../messages.js';
import type { AgentContext, AgentStreamItem, ChatAgent } from '../../agents/chat-agent.js';
import type { AgentState } from '../../state.js';
import { assistant, component, textMention } from '../../../../test/support/engine/catalog-configs.js';
import { fixtureLoadContext } from '../../../../test/support/engine/fixtures.js';
import { isTaskResult, type Team } from '../team.js';
import { DIGRAPH_STOP_MESSAGE, GraphFlow } from './graph-flow.js';

type Edge = { target: string; condition?: string | null; activation_group?: string; activation_condition?: 'all' | 'any' };

/** A graph as DiGraph.model_dump writes it: every field, defaults filled. */
function graph(nodes: Record<string, Edge[]>, start: string | null = null) {
  return {
    nodes: Object.fromEntries(
      Object.entries(nodes).map(([name, edges]) => [
        name,
        {
          name,
          edges: edges.map((e) => ({
            target: e.target,
            condition: e.condition ?? null,
            activation_group: e.activation_group ?? e.target,
            activation_condition: e.activation_condition ?? 'all',
          })),
          activation: 'all' as const,
        },
      ]),
    ),
    default_start_node: start,
  };
}

function flow(agents: Record<string, string[]>, g: ReturnType<typeof graph>, extra: Record<string, unknown> = {}) {
  return component('autogen_agentchat.teams.GraphFlow', 'team', {
    ...extra,
    participants: Object.entries(agents).map(([name, answers]) => assistant(name, answers)),
    graph: g,
  });
}

async function run(team: Team, task: string): Promise<{ speakers: string[]; result: TaskResult }> {
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task)) if (isTaskResult(item)) result = item;
  return { speakers: result!.messages.map((m) => m.source), result: result! };
}

const ctx = fixtureLoadContext;

describe('GraphFlow (AgentChat)', () => {
  it('validates an acyclic graph without a "runs until the server stops it" warning: it always ends by itself', () => {
    const config = flow({ A: ['a'], B: ['b'] }, graph({ A: [{ target: 'B' }], B: [] }));
    const result = validateComponent(config, ctx());
    expect(result).toMatchObject({ is_valid: true, errors: [], warnings: [] });
  });

  it('runs a sequential chain A → B → C and stops with "Digraph execution is complete"', async () => {
    const team = loadTeam(flow({ A: ['a'], B: ['b'], C: ['c'] }, graph({ A: [{ target: 'B' }], B: [{ target: 'C' }], C: [] })), ctx());
    const { speakers, result } = await run(team, 'go');
    expect(speakers).toEqual(['user', 'A', 'B', 'C']);
    expect(result.stop_reason).toBe(DIGRAPH_STOP_MESSAGE);
  });

  it('fans out A → (B, C) in one round, and a join D waits for both ("all")', async () => {
    const team = loadTeam(
      flow(
        { A: ['a'], B: ['b'], C: ['c'], D: ['d'] },
        graph({ A: [{ target: 'B' }, { target: 'C' }], B: [{ target: 'D' }], C: [{ target: 'D' }], D: [] }),
        { max_turns: 2 },
      ),
      ctx(),
    );
    const { speakers, result } = await run(team, 'go');
    // Two rounds: A; B and C together. max_turns counts rounds, as AgentChat's turn count does.
    expect(speakers.slice(0, 2)).toEqual(['user', 'A']);
    expect(speakers.slice(2).sort()).toEqual(['B', 'C']);
    expect(result.stop_reason).toBe('Maximum number of turns 2 reached.');
    // The next run goes on with the join.
    const next = await run(team, 'go on');
    expect(next.speakers).toEqual(['user', 'D']);
    // A finished graph wins over max_turns (AgentChat checks it first).
    expect(next.result.stop_reason).toBe(DIGRAPH_STOP_MESSAGE);
  });

  it('gives a fan-out branch only what it would see running at the same time as its sibling', async () => {
    const team = loadTeam(
      flow(
        { A: ['a'], B: ['b'], C: ['c'], D: ['d'] },
        graph({ A: [{ target: 'B' }, { target: 'C' }], B: [{ target: 'D' }], C: [{ target: 'D' }], D: [] }),
      ),
      ctx(),
    );
    await run(team, 'go');
    const state = await team.saveState();
    const heard = (name: string) =>
      (state.agent_states[name] as { llm_context: { messages: { type: string; source?: string }[] } }).llm_context.messages
        .filter((m) => m.type === 'UserMessage')
        .map((m) => m.source);
    expect(heard('B')).toEqual(['user', 'A']);
    expect(heard('C')).toEqual(['user', 'A']);
    expect(heard('D').sort()).toEqual(['A', 'B', 'C', 'user']);
  });

  it('an "any" join runs once, after the first parent that finished', async () => {
    const team = loadTeam(
      flow(
        { A: ['a'], B: ['b'], C: ['c'], D: ['d', 'd again'] },
        graph({
          A: [{ target: 'B' }, { target: 'C' }],
          B: [{ target: 'D', activation_condition: 'any' }],
          C: [{ target: 'D', activation_condition: 'any' }],
          D: [],
        }),
      ),
      ctx(),
    );
    const { speakers } = await run(team, 'go');
    expect(speakers.filter((s) => s === 'D')).toEqual(['D']);
    expect(speakers.at(-1)).toBe('D');
  });

  it('follows the edge whose condition string is in the message, looping until the exit condition', async () => {
    const team = loadTeam(
      flow(
        { writer: ['draft 1', 'draft 2'], reviewer: ['REVISE please', 'APPROVE it'], publisher: ['published'] },
        graph(
          {
            writer: [{ target: 'reviewer' }],
            reviewer: [
              { target: 'writer', condition: 'REVISE' },
              { target: 'publisher', condition: 'APPROVE' },
            ],
            publisher: [],
          },
          'writer',
        ),
        { termination_condition: textMention('NEVER') },
      ),
      ctx(),
    );
    const { speakers, result } = await run(team, 'Write.');
    expect(speakers).toEqual(['user', 'writer', 'reviewer', 'writer', 'reviewer', 'publisher']);
    expect(result.stop_reason).toBe(DIGRAPH_STOP_MESSAGE);
    expect(messageToText(result.messages.at(-1)!)).toBe('published');
  });

  it('starts at the entry point (default_start_node) even when another node has no parent', async () => {
    const team = loadTeam(flow({ A: ['a'], B: ['b'] }, graph({ A: [], B: [{ target: 'A' }] }, 'A')), ctx());
    expect((await run(team, 'go')).speakers).toEqual(['user', 'A']);
  });

  it('starts over on the next run once the graph completed', async () => {
    const team = loadTeam(flow({ A: ['a1', 'a2'], B: ['b1', 'b2'] }, graph({ A: [{ target: 'B' }], B: [] })), ctx());
    await run(team, 'first');
    const second = await run(team, 'second');
    expect(second.speakers).toEqual(['user', 'A', 'B']);
  });

  it('continues where it stopped when a termination condition ended the run, also after save/load', async () => {
    const config = flow({ A: ['a STOP'], B: ['b'] }, graph({ A: [{ target: 'B' }], B: [] }), { termination_condition: textMention('STOP') });
    const team = loadTeam(config, ctx());
    expect((await run(team, 'go')).result.stop_reason).toBe("Text 'STOP' mentioned");
    const fresh = loadTeam(config, ctx());
    await fresh.loadState(JSON.parse(JSON.stringify(await team.saveState())));
    const { speakers, result } = await run(fresh, 'continue');
    expect(speakers).toEqual(['user', 'B']);
    expect(result.stop_reason).toBe(DIGRAPH_STOP_MESSAGE);
  });

  it('round-trips the config DiGraphBuilder / GraphFlow dump', () => {
    const config = flow(
      { A: ['a'], B: ['b'], C: ['c'] },
      graph(
        {
          A: [
            { target: 'B', condition: 'yes' },
            { target: 'C', condition: 'no' },
          ],
          B: [],
          C: [],
        },
        'A',
      ),
      { name: 'GraphFlow', description: 'A team of agents' },
    );
    expect(dumpComponent(loadTeam(config, ctx()))).toEqual(config);
  });

  it('fills in the defaults AgentChat fills in (activation_group = target, "all")', () => {
    const config = flow({ A: ['a'], B: ['b'] }, { nodes: { A: { name: 'A', edges: [{ target: 'B' }] }, B: { name: 'B' } } } as never);
    const dumped = dumpComponent(loadTeam(config, ctx())).config.graph;
    expect(dumped).toEqual(graph({ A: [{ target: 'B' }], B: [] }));
  });

  it.each([
    [
      'a cycle without a condition',
      graph({ A: [{ target: 'B' }], B: [{ target: 'A' }], C: [] }, 'A'),
      {},
      'Cycle detected without exit condition: A -> B -> A',
    ],
    [
      'a cycle with no termination and no max_turns',
      graph(
        {
          A: [{ target: 'B' }],
          B: [
            { target: 'A', condition: 'x' },
            { target: 'C', condition: 'y' },
          ],
          C: [],
        },
        'A',
      ),
      {},
      'A termination condition is required',
    ],
    [
      'mixed conditional and unconditional edges',
      graph({ A: [{ target: 'B', condition: 'x' }, { target: 'C' }], B: [], C: [] }),
      {},
      "Node 'A' has a mix of conditional and unconditional edges.",
    ],
    ['an edge to an unknown node', graph({ A: [{ target: 'Z' }], B: [] }), {}, '"Z" is not a node of the graph'],
    [
      'conflicting activation conditions',
      graph({ A: [{ target: 'C' }], B: [{ target: 'C', activation_condition: 'any' }], C: [] }),
      {},
      "Conflicting activation conditions for target 'C'",
    ],
  ])('refuses %s (AgentChat graph_validate)', (_what, g, extra, message) => {
    const agents = Object.fromEntries(Object.keys(g.nodes).map((n) => [n, ['x']]));
    expect(() => loadTeam(flow(agents, g, extra), ctx())).toThrow(ConfigError);
    expect(() => loadTeam(flow(agents, g, extra), ctx())).toThrow(message);
  });

  it('refuses a node that is not a participant', () => {
    expect(() => loadTeam(flow({ A: ['a'] }, graph({ A: [{ target: 'B' }], B: [] })), ctx())).toThrow('"B" is not the name of a participant');
  });
});

/** An agent whose turn is a script: waits for what `turn` awaits, then says its text. */
class ScriptedAgent implements ChatAgent {
  readonly provider = 'test.ScriptedAgent';
  readonly componentType = 'agent' as const;
  readonly description = 'scripted';
  signals: AbortSignal[] = [];
  constructor(
    readonly name: string,
    private readonly turn: (signal: AbortSignal) => Promise<string>,
  ) {}
  async *onMessagesStream(_messages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    this.signals.push(ctx.signal);
    const content = await this.turn(ctx.signal);
    yield { type: 'Response', chat_message: createMessage('TextMessage', this.name, { content }), inner_messages: [] };
  }
  async reset(): Promise<void> {}
  async saveState(): Promise<AgentState> {
    return { type: 'UserProxyAgentState', version: 1 };
  }
  async loadState(): Promise<void> {}
  async close(): Promise<void> {}
  toConfig(): Record<string, unknown> {
    return {};
  }
}

describe('GraphFlow fan-out runs its branches concurrently (AgentChat publishes to all ready nodes at once)', () => {
  const fanOut = graph({ A: [{ target: 'B' }, { target: 'C' }], B: [], C: [] });

  it('B can wait for something only C does: both are running at the same time', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const team = new GraphFlow({
      participants: [
        new ScriptedAgent('A', async () => 'a'),
        new ScriptedAgent('B', async () => (await gate, 'b after c')),
        new ScriptedAgent('C', async () => (open(), 'c')),
      ],
      graph: fanOut,
    });
    const { speakers, result } = await run(team, 'go');
    // C finishes first, so its message comes first (turns join the thread as they finish).
    expect(speakers).toEqual(['user', 'A', 'C', 'B']);
    expect(result.stop_reason).toBe(DIGRAPH_STOP_MESSAGE);
  }, 10_000);

  it('a failing branch fails the run at once; the other stops with the run (the driver aborts its signal)', async () => {
    const waiting = new ScriptedAgent(
      'C',
      (signal) => new Promise<string>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
    );
    const team = new GraphFlow({
      participants: [
        new ScriptedAgent('A', async () => 'a'),
        new ScriptedAgent('B', async () => {
          throw new Error('B broke');
        }),
        waiting,
      ],
      graph: fanOut,
    });
    const controller = new AbortController();
    const items = async () => {
      for await (const item of team.runStream('go', { signal: controller.signal })) void item;
    };
    await expect(items()).rejects.toThrow('B broke');
    // The branches ran under the run's own signal (one sandbox session per run).
    expect(waiting.signals).toHaveLength(1);
    expect(waiting.signals[0]).toBe(controller.signal);
  }, 10_000);
});
