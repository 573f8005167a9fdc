/**
 * The playground: wires the team picker, the sessions sidebar, the transcript and the composer.
 * Flow of a run (protocol §1.6): POST /api/sessions/ if needed → POST /api/runs/ → open the run
 * socket → on `system/connected` send `start` with the task and the team's component.
 */
import { api, onUnauthorized } from './api.js';
import { clearToken, describeMe, fetchAuthType, getToken, setToken, takeTokenFromUrl, whoIs } from './auth.js';
import { FlowGraph } from './flow-graph.js';
import { autoScroll } from './auto-scroll.js';
import { clearError, showError } from './banner.js';
import { byId, h } from './dom.js';
import { LiveRun } from './live-run.js';
import { forgetStoredRun, loadStoredRun, type StoredRun } from './resume-store.js';
import { RunView } from './run-view.js';
import { SessionsPanel } from './sessions-panel.js';
import { TeamPanel } from './team-panel.js';
import type { Component, Gallery, RunRecord, SessionRow } from './types.js';
import { GalleryView } from './gallery-view.js';
import { SettingsView } from './settings-view.js';
import type { TeamEditor } from './team-editor.js';
import { TimelineView } from './timeline-view.js';
import { onShow, showView, wireViewTabs } from './views.js';

/** The teams of every gallery, the oldest gallery (the default one) first, then imported ones. */
function galleryTeams(galleries: Gallery[]): Component[] {
  return [...galleries].sort((a, b) => a.id - b.id).flatMap((g) => g.config.components.teams ?? []);
}

class Playground {
  private readonly transcript = byId('transcript');
  private readonly task = byId<HTMLTextAreaElement>('task');
  private readonly sendButton = byId<HTMLButtonElement>('send');
  private readonly stopButton = byId<HTMLButtonElement>('stop');
  private readonly status = byId('run-status');
  private readonly teams = new TeamPanel(byId('team-select'), byId('agent-list'), byId('team-description'), () => this.task.focus());
  private readonly sidebar = new SessionsPanel(byId('session-list'), {
    select: (session) => void this.openSession(session).catch(showError),
    rename: (session, name) => this.rename(session, name),
    remove: (session) => this.remove(session),
  });
  private sessions: SessionRow[] = [];
  private current: SessionRow | null = null;
  private live: LiveRun | null = null;
  private busy = false;
  private flowRun = 0;
  /** The flow of the last run shown (live or from its log). */
  private readonly flow = new FlowGraph('Agent flow of the open run');

  constructor(private readonly openTimeline: (runId: number) => void) {
    byId('flow').append(this.flow.element);
    autoScroll(this.transcript);
    byId('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    // Enter sends, Shift+Enter breaks the line; an IME composition's Enter is left alone.
    this.task.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send();
      }
    });
    this.stopButton.addEventListener('click', () => void this.live?.stop());
    byId('new-session').addEventListener('click', () => void this.newSession().catch(showError));
  }

  /**
   * Reloads the team picker and the sessions (after the team editor or the gallery changed the
   * user's teams: a deleted team takes its sessions with it, protocol §1.1).
   */
  async reloadTeams(): Promise<void> {
    const [galleries, rows, sessions] = await Promise.all([api.galleries(), api.teams(), api.sessions()]);
    const selected = this.teams.current?.teamId;
    this.teams.load(rows, galleryTeams(galleries));
    if (selected !== undefined) this.teams.selectTeamId(selected);
    this.sessions = sessions;
    if (this.current && !sessions.some((s) => s.id === this.current?.id)) {
      this.live?.detach();
      this.live = null;
      this.current = null;
      history.replaceState(null, '', location.pathname);
      this.transcript.replaceChildren(h('p', { class: 'empty muted' }, 'This session went with its team. Type a task to start a new one.'));
      this.updateControls();
    }
    this.sidebar.render(this.sessions, this.current?.id ?? null);
  }

  async boot(): Promise<void> {
    const [galleries, rows, sessions] = await Promise.all([api.galleries(), api.teams(), api.sessions()]);
    this.teams.load(rows, galleryTeams(galleries));
    this.sessions = sessions;
    // A run this tab was watching before a reload wins over the session in the address.
    const stored = loadStoredRun();
    if (stored && !sessions.some((s) => s.id === stored.sessionId)) forgetStoredRun(); // its session is gone
    const fromHash = Number(new URLSearchParams(location.hash.slice(1)).get('session'));
    const session = sessions.find((s) => s.id === stored?.sessionId) ?? sessions.find((s) => s.id === fromHash);
    if (session) await this.openSession(session);
    else this.sidebar.render(sessions, null);
    this.updateControls();
    if (!this.live) this.task.focus();
  }

  private async openSession(session: SessionRow): Promise<void> {
    this.live?.detach();
    this.live = null;
    this.current = session;
    history.replaceState(null, '', `#session=${session.id}`);
    this.sidebar.render(this.sessions, session.id);
    this.teams.selectTeamId(session.team_id);
    this.transcript.replaceChildren(h('p', { class: 'muted' }, 'Loading runs…'));
    const { runs } = await api.sessionRuns(session.id);
    if (this.current !== session) return; // another session was picked meanwhile
    this.transcript.replaceChildren();
    const stored = loadStoredRun();
    for (const run of runs) this.showRun(run, stored?.runId === run.id ? stored : null);
    if (!this.transcript.childElementCount) this.transcript.append(h('p', { class: 'empty muted' }, 'No runs in this session yet.'));
    this.updateControls();
  }

  /** A past run is drawn from its log; a live one is watched (resumed from this tab's log if any). */
  private showRun(run: RunRecord, stored: StoredRun | null): void {
    const live = run.status === 'active' || (run.status === 'created' && stored !== null);
    if (run.status === 'created' && !live) return; // created but never started: nothing to show
    const view = this.newView(run.id);
    if (live) return this.watch(view, stored ?? { runId: run.id, sessionId: this.current?.id ?? 0, lastSeq: 0, started: true, frames: [] });
    for (const message of run.messages) view.applyMessage(message.config);
    view.finish(run.status, run.team_result, run.error_message);
  }

  private newView(runId: number): RunView {
    const view = new RunView(runId, {
      onActiveAgent: (name) => this.teams.highlight(name),
      onInputResponse: (response, requestId) => this.live?.answer(response, requestId),
      onMessage: (message) => {
        if (this.flowRun === runId) this.flow.add(message);
      },
      onReplay: (id) => this.openTimeline(id),
    });
    // The graph follows the newest run shown.
    this.flowRun = runId;
    this.flow.reset();
    byId('flow').hidden = false;
    this.transcript.querySelector('.empty')?.remove();
    this.transcript.append(view.element);
    return view;
  }

  private watch(view: RunView, stored: StoredRun, start?: ConstructorParameters<typeof LiveRun>[0]['start']): void {
    this.live = new LiveRun({
      view,
      stored: { ...stored, sessionId: this.current?.id ?? stored.sessionId },
      start,
      onEnd: (run) => {
        if (this.live !== run) return;
        this.live = null;
        this.status.textContent = `Run #${run.runId} is over.`;
        this.updateControls();
        this.task.focus();
      },
    });
    this.status.textContent = `Run #${view.runId} is running. Stop ends it.`;
    this.updateControls();
  }

  private async send(): Promise<void> {
    const task = this.task.value.trim();
    const choice = this.teams.current;
    if (!task || this.live || this.busy || !choice) return;
    this.busy = true;
    this.updateControls();
    try {
      clearError();
      const teamId = await this.teams.ensureTeamId();
      if (!this.current) await this.createSession(teamId, task.slice(0, 60));
      const session = this.current!;
      if (session.team_id !== teamId) Object.assign(session, await api.updateSession(session.id, { team_id: teamId }));
      const { run_id: runId } = await api.createRun(session.id);
      this.task.value = '';
      this.watch(
        this.newView(runId),
        { runId, sessionId: session.id, lastSeq: 0, started: false, frames: [] },
        { task, teamConfig: choice.component },
      );
    } catch (error) {
      showError(error);
    } finally {
      this.busy = false;
      this.updateControls();
    }
  }

  private async createSession(teamId: number, name: string): Promise<void> {
    const session = await api.createSession(teamId, name);
    this.sessions = [session, ...this.sessions];
    await this.openSession(session);
  }

  private async newSession(): Promise<void> {
    clearError();
    const teamId = await this.teams.ensureTeamId();
    await this.createSession(teamId, `Session ${new Date().toLocaleString()}`);
    this.task.focus();
  }

  private async rename(session: SessionRow, name: string): Promise<void> {
    try {
      const saved = await api.updateSession(session.id, { name });
      this.sessions = this.sessions.map((s) => (s.id === saved.id ? saved : s));
      if (this.current?.id === saved.id) this.current = saved;
    } catch (error) {
      showError(error);
    }
    this.sidebar.render(this.sessions, this.current?.id ?? null);
  }

  private async remove(session: SessionRow): Promise<void> {
    try {
      await api.deleteSession(session.id);
      this.sessions = this.sessions.filter((s) => s.id !== session.id);
      if (this.current?.id === session.id) {
        this.live?.detach();
        this.live = null;
        this.current = null;
        history.replaceState(null, '', location.pathname);
        this.transcript.replaceChildren(h('p', { class: 'empty muted' }, 'Session deleted. Type a task to start a new one.'));
      }
      // After detach (which saves the log): a run of a deleted session has nothing to resume.
      if (loadStoredRun()?.sessionId === session.id) forgetStoredRun();
    } catch (error) {
      showError(error);
    }
    this.sidebar.render(this.sessions, this.current?.id ?? null);
    this.updateControls();
    byId('new-session').focus();
  }

  private updateControls(): void {
    this.sendButton.disabled = this.busy || this.live !== null;
    this.stopButton.disabled = this.live === null;
  }
}

window.addEventListener('unhandledrejection', (event) => showError(event.reason));

/** Hides the app and asks for a token; `reason` says why (refused, expired). */
function showSignIn(reason?: string): void {
  document.body.classList.add('signed-out');
  byId('signin').hidden = false;
  const text = byId('signin-reason');
  text.hidden = !reason;
  text.textContent = reason ? `Please sign in again: ${reason}` : '';
  byId('token-input').focus();
}

byId('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = byId<HTMLTextAreaElement>('token-input').value.trim();
  whoIs(token)
    .then(() => {
      setToken(token);
      location.reload(); // a clean start, signed in
    })
    .catch((error: unknown) => {
      const text = byId('signin-reason');
      text.hidden = false;
      text.textContent = `That token was refused: ${error instanceof Error ? error.message : String(error)}`;
    });
});

byId('sign-out').addEventListener('click', () => {
  forgetStoredRun();
  clearToken();
  location.reload();
});

let signingOut = false;
onUnauthorized((reason) => {
  if (signingOut) return;
  signingOut = true;
  clearToken();
  showSignIn(reason);
});

async function start(): Promise<void> {
  takeTokenFromUrl();
  if ((await fetchAuthType()) === 'jwt') {
    const token = getToken();
    if (!token) return showSignIn();
    try {
      const me = await whoIs(token);
      byId('who-name').textContent = `Signed in as ${describeMe(me)}`;
      byId('who').hidden = false;
    } catch (error) {
      clearToken();
      return showSignIn(error instanceof Error ? error.message : String(error));
    }
  }
  wireViewTabs();
  const timeline = new TimelineView(byId('view-timeline'), () => showView('playground'));
  const playground = new Playground((runId) => {
    showView('timeline');
    timeline.open(runId).catch(showError);
  });
  // The editor (CodeMirror, most of the bundle) loads the first time the Teams view opens.
  let teams: Promise<TeamEditor> | null = null;
  onShow('teams', () => {
    teams ??= import('./team-editor.js').then(({ TeamEditor }) => new TeamEditor(byId('view-teams'), () => playground.reloadTeams()));
    void teams.then((editor) => editor.load()).catch(showError);
  });
  const gallery = new GalleryView(byId('view-gallery'), () => playground.reloadTeams());
  onShow('gallery', () => void gallery.load().catch(showError));
  const settings = new SettingsView(byId('view-settings'));
  onShow('settings', () => void settings.load().catch(showError));
  await playground.boot();
}

start().catch(showError);
