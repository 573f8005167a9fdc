/**
 * The benchmark's workload, shared by the load generator and the bare server so that both
 * stream exactly the same text: the round-robin replay team scaled to K chunks per run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEAM_FIXTURE = fileURLToPath(new URL('../test/fixtures/teams/round-robin-replay.json', import.meta.url));
export const TASK = 'What is the answer?';

/** K-1 words then "TERMINATE": the replay client streams one chunk per whitespace-separated token. */
export function replyText(chunks) {
  const words = [];
  for (let i = 1; i < chunks; i++) words.push(`word${i}`);
  words.push('TERMINATE');
  return words.join(' ');
}

/** The chunk contents the replay client produces for `text`: each token but the last followed by one space. */
export function chunkContents(text) {
  const tokens = text.split(/\s+/).filter(Boolean);
  return tokens.map((t, i) => (i < tokens.length - 1 ? `${t} ` : t));
}

/** round-robin-replay.json with its chat_completions replaced by one K-token string. */
export function scaledTeam(chunks) {
  const team = JSON.parse(readFileSync(TEAM_FIXTURE, 'utf8'));
  const agent = team.config.participants[0].config;
  agent.model_client.config.chat_completions = [replyText(chunks)];
  return team;
}

export const IDLE_TEAM_FIXTURE = fileURLToPath(new URL('../test/fixtures/teams/human-in-the-loop.json', import.meta.url));
export const IDLE_TASK = 'Write a poem about the sea.';

/**
 * The idle-viewer phase's team: human-in-the-loop.json as is (replay assistant, then a
 * UserProxyAgent). The assistant speaks first, then the user proxy asks for input, so a started
 * run emits a few frames and then stays live and silent at its `input_request` until answered
 * or stopped.
 */
export function idleTeam() {
  return JSON.parse(readFileSync(IDLE_TEAM_FIXTURE, 'utf8'));
}
