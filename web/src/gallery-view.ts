/**
 * The Gallery view: the user's galleries (GET /api/gallery/), each component of the chosen one by
 * kind, "Use this team" (copies a gallery team into the user's teams, POST /api/teams/), and
 * import of a gallery file in AGS's format (the file is the gallery's `config`: `{name, metadata,
 * components: {teams, agents, models, tools, workbenches, terminations}}`, POST /api/gallery/).
 */
import { api } from './api.js';
import { showError } from './banner.js';
import { append, h } from './dom.js';
import type { Component, Gallery, GalleryConfig } from './types.js';

const KINDS = ['teams', 'agents', 'models', 'tools', 'workbenches', 'terminations'] as const;

export class GalleryView {
  private galleries: Gallery[] = [];
  private chosen: number | null = null;
  private readonly list = h('ul', { class: 'item-list', 'aria-label': 'Galleries' });
  private readonly detail = h('div', { id: 'gallery-detail' });
  private readonly notice = h('p', { class: 'notice', id: 'gallery-notice', role: 'status', hidden: true });

  constructor(
    root: HTMLElement,
    private readonly onTeamsChanged: () => Promise<void>,
  ) {
    const file = h('input', { type: 'file', id: 'gallery-file', accept: 'application/json,.json' });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      if (chosen) void this.importFile(chosen).catch(showError);
      file.value = '';
    });
    root.append(
      h(
        'div',
        { class: 'view-head' },
        h('h2', { id: 'gallery-heading' }, 'Galleries'),
        h('label', { class: 'actions' }, 'Import a gallery file (AGS JSON) ', file),
      ),
      this.notice,
      h('div', { class: 'editor-layout' }, this.list, this.detail),
    );
  }

  async load(): Promise<void> {
    this.galleries = await api.galleries();
    if (!this.galleries.some((g) => g.id === this.chosen)) this.chosen = this.galleries[0]?.id ?? null;
    this.render();
  }

  private say(text: string): void {
    this.notice.hidden = false;
    this.notice.textContent = text;
  }

  private render(): void {
    this.list.replaceChildren(
      ...this.galleries.map((g) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              'aria-current': g.id === this.chosen ? 'true' : undefined,
              onclick: () => {
                this.chosen = g.id;
                this.render();
              },
            },
            g.config.name,
          ),
        ),
      ),
    );
    const gallery = this.galleries.find((g) => g.id === this.chosen);
    if (!gallery) {
      this.detail.replaceChildren(h('p', { class: 'muted' }, 'No gallery yet.'));
      return;
    }
    const meta = gallery.config.metadata ?? {};
    const facts = [meta.author && `by ${meta.author}`, meta.version && `version ${meta.version}`].filter(Boolean).join(' · ');
    this.detail.replaceChildren();
    append(
      this.detail,
      h('h3', {}, gallery.config.name),
      meta.description ? h('p', {}, meta.description) : null,
      facts ? h('p', { class: 'muted' }, facts) : null,
      ...KINDS.map((kind) => this.section(kind, gallery.config.components[kind] ?? [])),
    );
  }

  private section(kind: (typeof KINDS)[number], components: Component[]): HTMLElement | null {
    if (!components.length) return null;
    return h(
      'section',
      { class: 'gallery-kind', 'data-kind': kind, 'aria-label': kind },
      h('h4', {}, `${kind[0]!.toUpperCase()}${kind.slice(1)} (${components.length})`),
      h('ul', { class: 'cards' }, ...components.map((c) => this.card(kind, c))),
    );
  }

  private card(kind: string, component: Component): HTMLElement {
    const label = component.label ?? component.provider.split('.').pop() ?? component.provider;
    return h(
      'li',
      { class: 'card', 'data-label': label },
      h('strong', {}, label),
      h('code', { class: 'muted' }, component.provider),
      component.description ? h('span', {}, component.description) : null,
      h('details', {}, h('summary', {}, 'JSON'), h('pre', {}, JSON.stringify(component, null, 2))),
      kind === 'teams'
        ? h(
            'button',
            { type: 'button', class: 'small use-team', onclick: () => void this.useTeam(component, label).catch(showError) },
            'Use this team',
          )
        : null,
    );
  }

  private async useTeam(component: Component, label: string): Promise<void> {
    const row = await api.createTeam(structuredClone(component));
    await this.onTeamsChanged();
    this.say(`"${label}" is now among your teams (team #${row.id}): pick it in the Playground or edit it under Teams.`);
  }

  private async importFile(file: File): Promise<void> {
    let config: GalleryConfig;
    try {
      config = JSON.parse(await file.text()) as GalleryConfig;
    } catch (error) {
      throw new Error(`${file.name} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const created = await api.createGallery(config);
    this.chosen = created.id;
    await this.load();
    this.say(`Imported "${created.config.name}" from ${file.name}.`);
  }
}
