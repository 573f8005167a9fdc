/**
 * Sign-in under AUTH_TYPE=jwt (protocol §2.7). The token is pasted, or arrives once as `?token=`
 * in the address; either way it is kept in sessionStorage (per tab, gone when the tab closes) and
 * taken out of the address at once, so it is never bookmarked, shared or left in the history.
 * Every REST call sends it as `Authorization: Bearer`, the run socket as `?token=` (the socket
 * gate reads either; a browser WebSocket cannot set headers).
 */
const KEY = 'teamstream.token';

export type AuthType = 'none' | 'jwt';

export interface Me {
  user_id: string;
  name?: string;
  email?: string;
  roles: string[];
  is_admin: boolean;
}

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Moves a `?token=` from the address into session storage, leaving the rest of the address as is. */
export function takeTokenFromUrl(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  if (token.trim()) setToken(token.trim());
  url.searchParams.delete('token');
  history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
}

/** `GET /api/auth/type` (not enveloped, as AGS's front-end reads it). */
export async function fetchAuthType(): Promise<AuthType> {
  const response = await fetch('/api/auth/type', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /api/auth/type failed (${response.status})`);
  const body = (await response.json()) as { type?: string };
  return body.type === 'jwt' ? 'jwt' : 'none';
}

/** Who `token` belongs to (`GET /api/auth/me`); throws with the server's reason when refused. */
export async function whoIs(token: string): Promise<Me> {
  const response = await fetch('/api/auth/me', { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => null)) as { data?: Me; message?: string } | null;
  if (!response.ok || !body?.data) throw new Error(body?.message ?? `The server refused the token (${response.status}).`);
  return body.data;
}

/** The signed-in user as the top bar shows it. */
export function describeMe(me: Me): string {
  return me.name && me.email ? `${me.name} (${me.email})` : (me.name ?? me.email ?? me.user_id);
}
