/**
 * The sessions sidebar: select, rename in place (Enter saves, Escape cancels) and delete with an
 * inline confirmation (no window.confirm: it blocks the page and tests cannot see it).
 */
import { h } from './dom.js';
import type { SessionRow } from './types.js';

export interface SessionsPanelHooks {
  select(session: SessionRow): void;
  rename(session: SessionRow, name: string): Promise<void>;
  remove(session: SessionRow): Promise<void>;
}

export class SessionsPanel {
  private sessions: SessionRow[] = [];
  private currentId: number | null = null;

  constructor(
    private readonly list: HTMLElement,
    private readonly hooks: SessionsPanelHooks,
  ) {}

  render(sessions: SessionRow[], currentId: number | null): void {
    this.sessions = sessions;
    this.currentId = currentId;
    if (!sessions.length) {
      this.list.replaceChildren(h('li', { class: 'muted empty' }, 'No sessions yet: sending a task starts one.'));
      return;
    }
    this.list.replaceChildren(...sessions.map((session) => this.item(session)));
  }

  private item(session: SessionRow): HTMLElement {
    const current = session.id === this.currentId;
    const open = h(
      'button',
      { type: 'button', class: 'session-open', 'aria-current': current ? 'page' : undefined, onclick: () => this.hooks.select(session) },
      session.name,
    );
    const li = h('li', { class: current ? 'session current' : 'session', 'data-session-id': session.id }, open);
    const actions = h(
      'span',
      { class: 'session-actions' },
      h('button', { type: 'button', class: 'small', 'aria-label': `Rename ${session.name}`, onclick: () => this.startRename(li, session) }, 'Rename'),
      h(
        'button',
        { type: 'button', class: 'small danger', 'aria-label': `Delete ${session.name}`, onclick: () => this.confirmDelete(li, session) },
        'Delete',
      ),
    );
    li.append(actions);
    return li;
  }

  private startRename(li: HTMLElement, session: SessionRow): void {
    const input = h('input', { type: 'text', value: session.name, 'aria-label': 'New session name', maxlength: 255, class: 'rename-input' });
    const restore = () => this.render(this.sessions, this.currentId);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') restore();
      if (event.key !== 'Enter') return;
      event.preventDefault();
      const name = input.value.trim();
      if (!name || name === session.name) return restore();
      input.disabled = true;
      void this.hooks.rename(session, name).finally(() => this.focusSession(session.id));
    });
    input.addEventListener('blur', () => {
      if (!input.disabled) restore();
    });
    li.replaceChildren(input);
    input.focus();
    input.select();
  }

  private confirmDelete(li: HTMLElement, session: SessionRow): void {
    const cancel = h('button', { type: 'button', class: 'small', onclick: () => this.render(this.sessions, this.currentId) }, 'Keep');
    const yes = h('button', { type: 'button', class: 'small danger', onclick: () => void this.hooks.remove(session) }, 'Delete');
    li.replaceChildren(
      h('span', { class: 'confirm', role: 'group', 'aria-label': `Delete ${session.name}?` }, `Delete “${session.name}” and its runs? `, yes, cancel),
    );
    cancel.focus();
  }

  /** Focus returns to the session's button after a re-render (keyboard users keep their place). */
  focusSession(id: number): void {
    this.list.querySelector<HTMLElement>(`[data-session-id="${id}"] .session-open`)?.focus();
  }
}
