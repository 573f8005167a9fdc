/**
 * The REST calls the page makes (protocol.md §1.1–1.2). Every answer is an envelope
 * `{status, data, message}`; a failure becomes an ApiError carrying the server's own text, so the
 * page can show it as is.
 */
import { getToken } from './auth.js';
import type { Component, Gallery, GalleryConfig, RunFrame, RunRecord, SessionRow, Settings, TeamRow, TestResult, ValidationResult } from './types.js';

/** With auth off every caller is the guest (protocol §2.7); the server ignores it under JWT. */
export const USER_ID = 'guestuser@gmail.com';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Called when the server answers 401 (no token, a bad or an expired one): the page asks to sign in. */
let unauthorized: (reason: string) => void = () => {};
export function onUnauthorized(handler: (reason: string) => void): void {
  unauthorized = handler;
}
export function reportUnauthorized(reason: string): void {
  unauthorized(reason);
}

/** `bare`: the answer is the body itself, not an envelope (the validate routes, as AGS reads them). */
async function call<T>(method: Method, path: string, body?: Record<string, unknown>, bare = false): Promise<T> {
  // user_id travels in the query for GET/PUT/DELETE and in the body for POST (§1.1).
  const url = method === 'POST' ? path : `${path}${path.includes('?') ? '&' : '?'}user_id=${encodeURIComponent(USER_ID)}`;
  const token = getToken();
  const init: RequestInit = { method, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } };
  if (body !== undefined) {
    init.body = JSON.stringify({ user_id: USER_ID, ...body });
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(`The server did not answer ${method} ${path}. Is it running?`, 0);
  }
  const envelope = (await response.json().catch(() => null)) as { status?: boolean; data?: T; message?: string } | null;
  if (bare && response.ok && envelope) return envelope as T;
  if (!response.ok || !envelope || envelope.status === false) {
    const reason = envelope?.message ?? response.statusText;
    if (response.status === 401) unauthorized(reason);
    throw new ApiError(`${method} ${path} failed (${response.status}): ${reason}`, response.status);
  }
  return envelope.data as T;
}

export const api = {
  galleries: () => call<Gallery[]>('GET', '/api/gallery/'),
  /** Also seeds the default team for a user who has none. */
  teams: () => call<TeamRow[]>('GET', '/api/teams/'),
  team: (id: number) => call<TeamRow>('GET', `/api/teams/${id}`),
  createTeam: (component: Component) => call<TeamRow>('POST', '/api/teams/', { component }),
  /** Upsert: with `id` the row is replaced (protocol §1.1). */
  saveTeam: (component: Component, id?: number) => call<TeamRow>('POST', '/api/teams/', id === undefined ? { component } : { component, id }),
  deleteTeam: (id: number) => call<unknown>('DELETE', `/api/teams/${id}`),
  validate: (component: unknown) => call<ValidationResult>('POST', '/api/validate/', { component }, true),
  /** Runs the team once on a short task, server-side (`timeout` in seconds). */
  testComponent: (component: unknown, timeout = 60) => call<TestResult>('POST', '/api/validate/test', { component, timeout }, true),
  /** Imports a gallery: `config` is an AGS gallery file as it is. */
  createGallery: (config: GalleryConfig) => call<Gallery>('POST', '/api/gallery/', { config }),
  deleteGallery: (id: number) => call<unknown>('DELETE', `/api/gallery/${id}`),
  /** A run's durable log: every frame it streamed, in seq order. */
  runEvents: (id: number) => call<RunFrame[]>('GET', `/api/runs/${id}/events`),
  run: (id: number) => call<RunRecord>('GET', `/api/runs/${id}`),
  settings: () => call<Settings>('GET', '/api/settings/'),
  saveSettings: (settings: Settings) => call<Settings>('PUT', '/api/settings/', { ...settings }),
  sessions: () => call<SessionRow[]>('GET', '/api/sessions/'),
  createSession: (teamId: number, name: string) => call<SessionRow>('POST', '/api/sessions/', { team_id: teamId, name }),
  updateSession: (id: number, changes: { name?: string; team_id?: number }) => call<SessionRow>('PUT', `/api/sessions/${id}`, changes),
  deleteSession: (id: number) => call<unknown>('DELETE', `/api/sessions/${id}`),
  sessionRuns: (id: number) => call<{ runs: RunRecord[] }>('GET', `/api/sessions/${id}/runs`),
  createRun: (sessionId: number) => call<{ run_id: number }>('POST', '/api/runs/', { session_id: sessionId }),
  /** The REST twin of the `stop` frame (§2.4), for when the socket is down. */
  stopRun: (id: number, reason: string) => call<unknown>('POST', `/api/runs/${id}/stop`, { reason }),
};
