/**
 * The REST calls the page makes (protocol.md §1.1–1.2). Every answer is an envelope
 * `{status, data, message}`; a failure becomes an ApiError carrying the server's own text, so the
 * page can show it as is.
 */
import type { Component, Gallery, RunRecord, SessionRow, TeamRow } from './types.js';

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

async function call<T>(method: Method, path: string, body?: Record<string, unknown>): Promise<T> {
  // user_id travels in the query for GET/PUT/DELETE and in the body for POST (§1.1).
  const url = method === 'POST' ? path : `${path}${path.includes('?') ? '&' : '?'}user_id=${encodeURIComponent(USER_ID)}`;
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
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
  if (!response.ok || !envelope || envelope.status === false) {
    const reason = envelope?.message ?? response.statusText;
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
  sessions: () => call<SessionRow[]>('GET', '/api/sessions/'),
  createSession: (teamId: number, name: string) => call<SessionRow>('POST', '/api/sessions/', { team_id: teamId, name }),
  updateSession: (id: number, changes: { name?: string; team_id?: number }) => call<SessionRow>('PUT', `/api/sessions/${id}`, changes),
  deleteSession: (id: number) => call<unknown>('DELETE', `/api/sessions/${id}`),
  sessionRuns: (id: number) => call<{ runs: RunRecord[] }>('GET', `/api/sessions/${id}/runs`),
  createRun: (sessionId: number) => call<{ run_id: number }>('POST', '/api/runs/', { session_id: sessionId }),
  /** The REST twin of the `stop` frame (§2.4), for when the socket is down. */
  stopRun: (id: number, reason: string) => call<unknown>('POST', `/api/runs/${id}/stop`, { reason }),
};
