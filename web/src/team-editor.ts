/**
 * The Teams view: the user's teams as ComponentModel JSON in a CodeMirror 6 editor (JSON syntax
 * highlighting). As the user types, the text is checked (debounced, 500 ms) by POST /api/validate/
 * and each error is marked at its JSON path in the text and listed below. Save refuses a team
 * that does not parse or does not validate, with the errors shown; "Test" runs it once through
 * POST /api/validate/test. New, Duplicate and Delete work on saved rows (POST/DELETE /api/teams/).
 */
import { json } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';
import { api } from './api.js';
import { showError } from './banner.js';
import { h } from './dom.js';
import { locate, valueRanges } from './json-path.js';
import type { Component, TeamRow, ValidationIssue, ValidationResult } from './types.js';

const DEBOUNCE_MS = 500;

export class TeamEditor {
  private rows: TeamRow[] = [];
  /** The row being edited; null for a new, unsaved team. */
  private current: TeamRow | null = null;
  private readonly list = h('ul', { class: 'item-list', 'aria-label': 'Your teams' });
  private readonly title = h('h3', { id: 'team-editor-title' });
  private readonly issues = h('ul', { class: 'issues', id: 'team-issues', 'aria-live': 'polite' });
  private readonly state = h('p', { class: 'muted', id: 'team-state', role: 'status' });
  private readonly testOutput = h('pre', { class: 'test-output', id: 'team-test-output', hidden: true });
  private readonly editor: EditorView;
  private timer = 0;
  /** Bumped on every change, so a slow answer for old text is dropped. */
  private revision = 0;
  private lastResult: ValidationResult | null = null;
  /** Bumped each time a team is opened: a load that an opening overtook does not open another. */
  private epoch = 0;

  constructor(
    private readonly root: HTMLElement,
    /** The user's teams changed (the team picker reloads). */
    private readonly onTeamsChanged: () => Promise<void>,
  ) {
    const host = h('div', { class: 'code-editor', id: 'team-json' });
    this.editor = new EditorView({
      parent: host,
      extensions: [
        basicSetup,
        json(),
        lintGutter(),
        EditorView.contentAttributes.of({ 'aria-label': 'Team JSON (ComponentModel)' }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) this.changed();
        }),
      ],
    });
    const button = (id: string, text: string, action: () => Promise<void>, cls = '') =>
      h('button', { type: 'button', id, class: cls, onclick: () => void action().catch(showError) }, text);
    root.append(
      h(
        'div',
        { class: 'view-head' },
        h('h2', { id: 'teams-heading' }, 'Your teams'),
        button('team-new', 'New team', () => this.newTeam()),
      ),
      h(
        'div',
        { class: 'editor-layout' },
        this.list,
        h(
          'div',
          {},
          this.title,
          host,
          this.state,
          this.issues,
          h(
            'div',
            { class: 'actions' },
            button('team-save', 'Save', () => this.save()),
            button('team-test', 'Test', () => this.test(), 'small'),
            button('team-duplicate', 'Duplicate', () => this.duplicate(), 'small'),
            button('team-delete', 'Delete', () => this.remove(), 'small danger'),
          ),
          this.testOutput,
        ),
      ),
    );
  }

  /** Loads the user's teams and opens the first (or the one with `id`). */
  async load(id?: number): Promise<void> {
    const epoch = this.epoch;
    this.rows = await api.teams();
    if (epoch !== this.epoch) return this.renderList(); // the user opened something meanwhile
    const row = this.rows.find((r) => r.id === (id ?? this.current?.id)) ?? this.rows[0] ?? null;
    this.open(row);
  }

  /** The editor's text (for tests and the page). */
  get text(): string {
    return this.editor.state.doc.toString();
  }

  private open(row: TeamRow | null, component?: Component): void {
    this.epoch++;
    this.current = row;
    this.renderList();
    const shown = component ?? row?.component;
    this.title.textContent = row ? `Team #${row.id}: ${row.component.label ?? 'unnamed'}` : 'New team (not saved yet)';
    this.setText(shown ? JSON.stringify(shown, null, 2) : '');
    this.testOutput.hidden = true;
  }

  private setText(text: string): void {
    this.editor.dispatch({ changes: { from: 0, to: this.editor.state.doc.length, insert: text } });
  }

  private renderList(): void {
    this.list.replaceChildren(
      ...this.rows.map((row) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', 'aria-current': row.id === this.current?.id ? 'true' : undefined, onclick: () => this.open(row) },
            row.component.label ?? `Team ${row.id}`,
          ),
        ),
      ),
    );
  }

  private changed(): void {
    this.revision++;
    this.lastResult = null;
    this.state.textContent = 'Checking…';
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.validate().catch(showError), DEBOUNCE_MS);
  }

  /** Parses and validates the text now; shows and returns the result (null: not JSON). */
  private async validate(): Promise<ValidationResult | null> {
    const revision = this.revision;
    const text = this.text;
    let component: unknown;
    try {
      component = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.show([{ field: '', error: `Not valid JSON: ${message}` }], [], text);
      this.state.textContent = 'Not valid JSON.';
      return null;
    }
    const result = await api.validate(component);
    if (revision !== this.revision) return null; // the text changed meanwhile; a newer check follows
    this.lastResult = result;
    this.show(result.errors, result.warnings, text);
    this.state.textContent = result.is_valid ? 'Valid team.' : `${result.errors.length} error(s): the team cannot be saved as it is.`;
    return result;
  }

  /** Lists the issues and marks each at its JSON path in the editor. */
  private show(errors: ValidationIssue[], warnings: ValidationIssue[], text: string): void {
    const ranges = valueRanges(text);
    const diagnostics: Diagnostic[] = [
      ...errors.map((issue) => ({ ...locate(text, issue.field, ranges), severity: 'error' as const, message: issueText(issue) })),
      ...warnings.map((issue) => ({ ...locate(text, issue.field, ranges), severity: 'warning' as const, message: issueText(issue) })),
    ];
    this.editor.dispatch(setDiagnostics(this.editor.state, diagnostics));
    // Each issue is a button that takes the cursor to its place in the text (it may be scrolled away).
    const item = (issue: ValidationIssue, kind: 'error' | 'warning') =>
      h(
        'li',
        { class: kind, 'data-field': issue.field },
        h('button', { type: 'button', class: 'small', onclick: () => this.goTo(locate(text, issue.field, ranges).from) }, 'Show'),
        ' ',
        issue.field ? h('code', {}, issue.field) : null,
        issue.field ? ': ' : '',
        issueText(issue),
      );
    this.issues.replaceChildren(...errors.map((i) => item(i, 'error')), ...warnings.map((i) => item(i, 'warning')));
  }

  private goTo(position: number): void {
    this.editor.dispatch({ selection: { anchor: Math.min(position, this.editor.state.doc.length) }, scrollIntoView: true });
    this.editor.focus();
  }

  private async save(): Promise<void> {
    window.clearTimeout(this.timer);
    const result = this.lastResult ?? (await this.validate());
    if (!result?.is_valid) {
      this.state.textContent = 'Not saved: fix the errors listed below first.';
      return;
    }
    const component = JSON.parse(this.text) as Component;
    const saved = await api.saveTeam(component, this.current?.id);
    await this.load(saved.id);
    this.state.textContent = `Saved as team #${saved.id}.`;
    await this.onTeamsChanged();
  }

  private async test(): Promise<void> {
    let component: unknown;
    try {
      component = JSON.parse(this.text);
    } catch {
      this.state.textContent = 'Not valid JSON: nothing to test.';
      return;
    }
    this.testOutput.hidden = false;
    this.testOutput.textContent = 'Testing…';
    const result = await api.testComponent(component);
    this.testOutput.textContent = [`${result.status ? 'Test passed' : 'Test failed'}: ${result.message}`, ...result.logs].join('\n');
  }

  private async newTeam(): Promise<void> {
    // A new epoch now: a team list still loading must not open its first team over this one.
    const epoch = ++this.epoch;
    const galleries = await api.galleries();
    if (epoch !== this.epoch) return;
    const template = galleries[0]?.config.components.teams[0];
    const component: Component = template
      ? { ...structuredClone(template), label: 'New team' }
      : { provider: 'autogen_agentchat.teams.RoundRobinGroupChat', component_type: 'team', label: 'New team', config: { participants: [] } };
    this.open(null, component);
  }

  private async duplicate(): Promise<void> {
    let component: Component;
    try {
      component = JSON.parse(this.text) as Component;
    } catch {
      this.state.textContent = 'Not valid JSON: nothing to duplicate.';
      return;
    }
    this.open(null, { ...component, label: `${component.label ?? 'Team'} (copy)` });
    this.state.textContent = 'A copy, not saved yet: Save keeps it.';
  }

  private async remove(): Promise<void> {
    if (!this.current) {
      await this.load();
      return;
    }
    const label = this.current.component.label ?? `Team ${this.current.id}`;
    if (!window.confirm(`Delete the team "${label}" and its sessions?`)) return;
    await api.deleteTeam(this.current.id);
    this.current = null;
    await this.load();
    this.state.textContent = `Deleted "${label}".`;
    await this.onTeamsChanged();
  }
}

function issueText(issue: ValidationIssue): string {
  return issue.suggestion ? `${issue.error} (${issue.suggestion})` : issue.error;
}
