/**
 * The Settings view: the user's settings row (GET/PUT /api/settings/). UI flags, the human input
 * timeout, and environment variables. The server sends every variable's value back as the
 * redaction marker, never the value: the page shows such a value as "set, hidden", and sends the
 * marker back untouched unless the user types a new value (the server then keeps the stored one).
 */
import { api } from './api.js';
import { showError } from './banner.js';
import { h } from './dom.js';
import type { EnvironmentVariable, Settings } from './types.js';

/** What the server writes in place of a secret (src/common/secrets.ts). */
const MARKER = '********';

export class SettingsView {
  private settings: Settings | null = null;
  private readonly form = h('form', { class: 'settings-form', id: 'settings-form' });
  private readonly notice = h('p', { class: 'notice', id: 'settings-notice', role: 'status', hidden: true });

  constructor(root: HTMLElement) {
    root.append(h('div', { class: 'view-head' }, h('h2', { id: 'settings-heading' }, 'Settings')), this.notice, this.form);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save().catch(showError);
    });
  }

  async load(): Promise<void> {
    this.settings = await api.settings();
    this.notice.hidden = true;
    this.render();
  }

  private render(): void {
    const ui = this.settings!.config.ui;
    const check = (name: string, label: string, checked: boolean | undefined) =>
      h('label', { class: 'env-row' }, h('input', { type: 'checkbox', name, checked: checked === true }), label);
    const envList = h('div', { id: 'env-list' }, ...this.settings!.config.environment.map((v) => envRow(v)));
    this.form.replaceChildren(
      h(
        'fieldset',
        {},
        h('legend', {}, 'Display'),
        check('show_llm_call_events', 'Show LLM call events in run timelines', ui.show_llm_call_events),
        check('expanded_messages_by_default', 'Expand messages by default', ui.expanded_messages_by_default),
        check('show_agent_flow_by_default', 'Show the agent flow by default', ui.show_agent_flow_by_default),
        h(
          'label',
          { class: 'env-row' },
          'Human input timeout (minutes) ',
          h('input', {
            type: 'number',
            name: 'human_input_timeout_minutes',
            min: 0.1,
            step: 0.1,
            value: ui.human_input_timeout_minutes,
            required: true,
          }),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Environment variables'),
        h(
          'p',
          { class: 'muted' },
          'Values are never sent back to the page: a saved value shows as hidden, and stays as it is unless you type a new one.',
        ),
        envList,
        h('button', { type: 'button', class: 'small', id: 'env-add', onclick: () => envList.append(envRow({ name: '' })) }, 'Add a variable'),
      ),
      h('button', { type: 'submit', id: 'settings-save' }, 'Save settings'),
    );
  }

  private async save(): Promise<void> {
    const form = this.form;
    const flag = (name: string) => (form.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.checked ?? false) as boolean;
    const environment: EnvironmentVariable[] = [];
    for (const row of form.querySelectorAll<HTMLElement>('.env-var')) {
      const name = row.querySelector<HTMLInputElement>('.env-name')!.value.trim();
      const input = row.querySelector<HTMLInputElement>('.env-value')!;
      if (!name) continue;
      // Left empty over a saved value: send the marker back, so the server keeps the stored value.
      const value = input.value === '' && input.dataset.saved === 'true' ? MARKER : input.value;
      environment.push({ ...JSON.parse(row.dataset.original ?? '{}'), name, value });
    }
    const current = this.settings!;
    const timeout = Number(form.querySelector<HTMLInputElement>('input[name="human_input_timeout_minutes"]')!.value);
    const next: Settings = {
      ...current,
      config: {
        ...current.config,
        environment,
        ui: {
          ...current.config.ui,
          show_llm_call_events: flag('show_llm_call_events'),
          expanded_messages_by_default: flag('expanded_messages_by_default'),
          show_agent_flow_by_default: flag('show_agent_flow_by_default'),
          human_input_timeout_minutes: timeout,
        },
      },
    };
    this.settings = await api.saveSettings(next);
    this.render();
    this.notice.hidden = false;
    this.notice.textContent = 'Settings saved.';
  }
}

function envRow(variable: EnvironmentVariable): HTMLElement {
  const saved = variable.value === MARKER;
  const row = h(
    'div',
    { class: 'env-row env-var', 'data-original': JSON.stringify(variable) },
    h('input', { type: 'text', class: 'env-name', 'aria-label': 'Variable name', placeholder: 'NAME', value: variable.name }),
    h('input', {
      type: 'password',
      class: 'env-value',
      'aria-label': `Value of ${variable.name || 'the new variable'}`,
      autocomplete: 'off',
      placeholder: saved ? 'set, hidden (type to replace)' : 'value',
      value: saved ? '' : (variable.value ?? ''),
      'data-saved': saved ? 'true' : 'false',
    }),
  );
  row.append(h('button', { type: 'button', class: 'small danger', onclick: () => row.remove() }, `Remove ${variable.name || 'variable'}`));
  return row;
}
