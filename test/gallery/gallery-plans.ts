/**
 * The teams of AGS's default gallery (test/fixtures/ags-default-gallery.json), each with a
 * script for its model calls, pointed at local fake model servers: every model client of the
 * team (each agent's, and a SelectorGroupChat's own) gets a fake server of its own, so the
 * order in which agents call does not matter, only each client's own sequence of calls.
 *
 * With `provider: 'anthropic'`, every model client is replaced by the gallery's own Claude entry
 * ("Anthropic Claude-3-7") pointed at a fake Messages API server, so the same team runs on
 * AnthropicChatCompletionClient.
 *
 * A MultimodalWebSurfer's start_page (Bing in the gallery) is moved to the plan's loopback site,
 * so no test reaches the internet; its browser is the real Chromium.
 */
import { readFileSync } from 'node:fs';
import { startAnthropicServer, type AnthropicScriptedReply } from '../fakes/anthropic-server.js';
import { startChatCompletionsServer, type ScriptedReply } from '../fakes/chat-completions-server.js';

type Json = Record<string, any>;

export const gallery = JSON.parse(readFileSync(new URL('../fixtures/ags-default-gallery.json', import.meta.url), 'utf8')) as {
  components: Record<string, Json[]>;
};

/** One model answer: text, or one tool call. */
export type Turn = { text: string } | { call: { name: string; input: Record<string, unknown> } };

export interface TeamPlan {
  /** The gallery team's label. */
  label: string;
  task: string;
  /** The speakers a SelectorGroupChat's model names, in order. */
  selector?: string[];
  /** Each agent's model answers, in order. */
  agents: Record<string, Turn[]>;
  /** The terminal stop reason. */
  stopReason: string;
  /** Text that must appear among the run's messages (proves the tools ran). */
  expectText: string[];
  /** Where a MultimodalWebSurfer of the team starts (required when the team has one). */
  startPage?: string;
}

/** A small page the Deep Research Team's fetch_webpage reads (the test serves it on loopback). */
export const RESEARCH_PAGE_TEXT = 'Loopback research facts: the answer is 42.';

/** The loopback page the Web Agent Team's surfer visits. */
export const HANDBOOK_PATH = '/handbook';
export const HANDBOOK_TEXT = 'Loopback handbook: egress is checked for every request.';
/** The surfer's start page on the site. */
export const START_PATH = '/start';

/** `siteUrl`: the loopback site serving RESEARCH_PAGE_TEXT at `/facts`, HANDBOOK_TEXT at HANDBOOK_PATH and a start page at START_PATH. */
export function galleryPlans(siteUrl: string): TeamPlan[] {
  const pageUrl = `${siteUrl}/facts`;
  const handbookUrl = `${siteUrl}${HANDBOOK_PATH}`;
  return [
    {
      label: 'RoundRobin Team',
      task: 'What is 2 + 2?',
      agents: {
        assistant_agent: [{ call: { name: 'calculator', input: { a: 2, b: 2, operator: '+' } } }, { text: 'The answer is 4. TERMINATE' }],
      },
      stopReason: "Text 'TERMINATE' mentioned",
      expectText: ['4', 'The answer is 4.'],
    },
    {
      label: 'Selector Team',
      task: 'What is 3 * 5?',
      selector: ['assistant_agent'],
      agents: { assistant_agent: [{ text: '15. TERMINATE' }], critic_agent: [] },
      stopReason: "Text 'TERMINATE' mentioned",
      expectText: ['15.'],
    },
    {
      label: 'Deep Research Team',
      task: 'Research the answer.',
      selector: ['research_assistant', 'summary_agent'],
      agents: {
        research_assistant: [{ call: { name: 'fetch_webpage', input: { url: pageUrl } } }],
        verifier: [],
        summary_agent: [{ text: 'Summary: the answer is 42. TERMINATE' }],
      },
      stopReason: "Text 'TERMINATE' mentioned",
      expectText: [RESEARCH_PAGE_TEXT, 'Summary: the answer is 42.'],
    },
    {
      // The selector picks the surfer, whose model visits the handbook (its reply: the page's
      // text and a screenshot, as AgentChat's MultimodalWebSurfer), then the assistant, who ends.
      label: 'Web Agent Team (Operator)',
      task: 'What does the handbook say about egress?',
      selector: ['websurfer_agent', 'assistant_agent'],
      agents: {
        websurfer_agent: [{ call: { name: 'visit_url', input: { reasoning: 'The handbook is there.', url: handbookUrl } } }],
        assistant_agent: [{ text: 'The handbook says egress is checked for every request. TERMINATE' }],
        user_proxy: [],
      },
      stopReason: "Text 'TERMINATE' mentioned",
      expectText: [`I typed '${handbookUrl}' into the browser address bar.`, HANDBOOK_TEXT, 'The handbook says egress is checked'],
      startPage: `${siteUrl}${START_PATH}`,
    },
  ];
}

const WEB_SURFER = 'autogen_ext.agents.web_surfer.MultimodalWebSurfer';

export interface PreparedTeam {
  team: Json;
  close(): Promise<void>;
  /** Scripted replies no model asked for (0 when the run went as planned). */
  unused(): number;
}

function openAiReply(turn: Turn): ScriptedReply {
  return 'text' in turn
    ? { type: 'text', text: turn.text }
    : { type: 'tool_calls', calls: [{ name: turn.call.name, arguments: JSON.stringify(turn.call.input) }] };
}

function anthropicReply(turn: Turn): AnthropicScriptedReply {
  return 'text' in turn ? { type: 'text', text: turn.text } : { type: 'tool_use', calls: [{ name: turn.call.name, input: turn.call.input }] };
}

/** The gallery team of `plan`, every model client pointed at its own fake server with its script. */
export async function prepareTeam(plan: TeamPlan, provider: 'openai' | 'anthropic'): Promise<PreparedTeam> {
  const team = structuredClone(gallery.components.teams!.find((t) => t.label === plan.label)!);
  const servers: { close(): Promise<void>; readonly remaining: number }[] = [];
  const claude = gallery.components.models!.find((m) => m.label === 'Anthropic Claude-3-7')!;

  async function point(holder: Json, turns: Turn[]): Promise<void> {
    if (provider === 'openai') {
      const server = await startChatCompletionsServer(turns.map(openAiReply));
      servers.push(server);
      Object.assign(holder.model_client.config, { base_url: server.baseUrl, max_retries: 0 });
    } else {
      const server = await startAnthropicServer(turns.map(anthropicReply));
      servers.push(server);
      holder.model_client = structuredClone(claude);
      Object.assign(holder.model_client.config, { base_url: server.url, max_retries: 0 });
    }
  }

  if (team.config.model_client)
    await point(
      team.config,
      (plan.selector ?? []).map((text) => ({ text })),
    );
  for (const participant of team.config.participants as Json[]) {
    const turns = plan.agents[participant.config.name];
    if (!turns) throw new Error(`${plan.label}: no script for participant ${participant.config.name}`);
    if (participant.provider === WEB_SURFER) {
      if (!plan.startPage) throw new Error(`${plan.label}: ${participant.config.name} needs a loopback startPage`);
      participant.config.start_page = plan.startPage;
    }
    if (participant.config.model_client) await point(participant.config, turns);
  }
  return {
    team,
    close: async () => void (await Promise.all(servers.map((s) => s.close()))),
    unused: () => servers.reduce((sum, s) => sum + s.remaining, 0),
  };
}
