/** Team configs built from the team fixtures (test/fixtures/teams) for streaming tests. */
import { teamFixture } from './fixtures.js';

type Json = Record<string, any>;

/** The openai-assistant fixture pointed at a local Chat Completions server, with no tools. */
export function openAiTeam(baseUrl: string, options: { maxRetries?: number } = {}): Json {
  const team = structuredClone(teamFixture('openai-assistant')) as Json;
  const agent = team.config.participants[0].config;
  agent.model_client.config.base_url = baseUrl;
  if (options.maxRetries !== undefined) agent.model_client.config.max_retries = options.maxRetries;
  agent.workbench = [];
  return team;
}

/** The round-robin replay team whose single reply is `words` words long (then TERMINATE). */
export function longReplayTeam(words: number): Json {
  const team = structuredClone(teamFixture('round-robin-replay')) as Json;
  const text = Array.from({ length: words }, (_, i) => `w${i}`).join(' ');
  team.config.participants[0].config.model_client.config.chat_completions = [`${text} TERMINATE`];
  return team;
}
