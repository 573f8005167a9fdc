import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createEngineContext } from '../live-runs/engine-context.provider.js';
import { ChatTeams } from './chat-teams.js';

describe(ChatTeams.name, () => {
  it('builds the configured gallery teams, a fresh one per load', async () => {
    const config = loadConfig({ CHAT_DEFAULT_TEAM: 'Human in the loop' });
    const teams = new ChatTeams(config, await createEngineContext(config));
    expect(teams.socket.label).toBe('Human in the loop');
    expect(teams.socket.load().participants.map((p) => p.name)).toEqual(['assistant_agent', 'user_proxy']);
    expect(teams.completions.load().participants.map((p) => p.name)).toEqual(['triage_agent', 'sales_agent', 'issues_and_repairs_agent']);
    expect(teams.completions.load()).not.toBe(teams.completions.load());
  });

  it('refuses a label that names no gallery team, listing the ones there are', async () => {
    const config = loadConfig({ CHAT_COMPLETIONS_TEAM: 'Nope' });
    const context = await createEngineContext(config);
    expect(() => new ChatTeams(config, context)).toThrow(
      'CHAT_COMPLETIONS_TEAM: "Nope" is not a default-gallery team; use one of: "Streaming assistant", "Weather chat", "Customer support", "Human in the loop", "Selector team"',
    );
  });
});
