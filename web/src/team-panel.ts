/**
 * The team picker and the agent list. Choices are the user's saved teams, then the gallery's demo
 * teams not saved yet; a gallery team becomes a saved team (POST /api/teams/) the first time a
 * session needs it, since a session points at a team row.
 */
import { api } from './api.js';
import { h } from './dom.js';
import type { Component, TeamRow } from './types.js';

export interface TeamChoice {
  label: string;
  component: Component;
  /** The saved team row, once there is one. */
  teamId?: number;
}

const shortName = (provider: string) => provider.split('.').pop() ?? provider;
const teamKey = (c: Component) => `${c.provider}|${c.label ?? ''}`;
const asComponents = (value: unknown): Component[] => (Array.isArray(value) ? (value as Component[]) : []);

export class TeamPanel {
  private choices: TeamChoice[] = [];

  constructor(
    private readonly select: HTMLSelectElement,
    private readonly agentList: HTMLElement,
    private readonly description: HTMLElement,
    private readonly onChange: (choice: TeamChoice) => void,
  ) {
    select.addEventListener('change', () => {
      this.renderAgents();
      const choice = this.current;
      if (choice) this.onChange(choice);
    });
  }

  load(rows: TeamRow[], galleryTeams: Component[]): void {
    const saved = rows.map((row) => ({ label: row.component.label ?? `Team ${row.id}`, component: row.component, teamId: row.id }));
    const savedKeys = new Set(saved.map((choice) => teamKey(choice.component)));
    const gallery = galleryTeams.filter((c) => !savedKeys.has(teamKey(c))).map((c) => ({ label: c.label ?? shortName(c.provider), component: c }));
    this.choices = [...saved, ...gallery];
    const group = (label: string, from: number, items: TeamChoice[]) =>
      items.length ? h('optgroup', { label }, ...items.map((choice, i) => h('option', { value: String(from + i) }, choice.label))) : null;
    this.select.replaceChildren(...[group('Your teams', 0, saved), group('Gallery', saved.length, gallery)].filter((g) => g !== null));
    this.select.disabled = this.choices.length === 0;
    this.renderAgents();
  }

  get current(): TeamChoice | undefined {
    return this.choices[Number(this.select.value)];
  }

  /** Shows the team of a session; false when that team is not among the choices. */
  selectTeamId(teamId: number): boolean {
    const index = this.choices.findIndex((choice) => choice.teamId === teamId);
    if (index < 0) return false;
    this.select.value = String(index);
    this.renderAgents();
    return true;
  }

  /** The selected team's row id, saving a gallery team first if needed. */
  async ensureTeamId(): Promise<number> {
    const choice = this.current;
    if (!choice) throw new Error('Pick a team first.');
    if (choice.teamId === undefined) choice.teamId = (await api.createTeam(choice.component)).id;
    return choice.teamId;
  }

  /** Marks the agent now speaking (null: nobody). */
  highlight(name: string | null): void {
    for (const item of this.agentList.querySelectorAll<HTMLElement>('[data-agent]')) {
      const active = item.dataset.agent === name;
      item.classList.toggle('active', active);
      if (active) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }

  private renderAgents(): void {
    const team = this.current?.component;
    this.description.textContent = team ? `${shortName(team.provider)}${team.description ? ` · ${team.description}` : ''}` : '';
    this.agentList.replaceChildren(...asComponents(team?.config.participants).map(agentItem));
  }
}

function agentItem(agent: Component): HTMLElement {
  const config = agent.config;
  const name = typeof config.name === 'string' ? config.name : (agent.label ?? 'agent');
  const kind = agent.provider.endsWith('UserProxyAgent') ? 'human' : shortName(agent.provider);
  const model = config.model_client as Component | undefined;
  const modelName = model ? (typeof model.config.model === 'string' ? model.config.model : shortName(model.provider)) : null;
  const tools = [...asComponents(config.tools), ...asComponents(config.workbench).flatMap((bench) => asComponents(bench.config.tools))].map((tool) =>
    String(tool.config.name ?? tool.label ?? 'tool'),
  );
  const facts = [kind, modelName, tools.length ? `tools: ${tools.join(', ')}` : null].filter(Boolean).join(' · ');
  return h(
    'li',
    { class: 'agent', 'data-agent': name, title: typeof config.description === 'string' ? config.description : undefined },
    h('strong', {}, name),
    h('span', { class: 'muted' }, facts),
  );
}
