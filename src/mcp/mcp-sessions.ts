/**
 * The sessions of AGS's MCP playground (AGS `web/routes/mcp.py`): `POST /api/mcp/ws/connect`
 * registers a workbench's `server_params` on the server and returns a session id; the socket
 * `/api/mcp/ws/<id>` then claims it, once. As in AGS the parameters never travel in the socket
 * URL. Unlike AGS a session belongs to the user who made it (only they may open its socket or
 * read its status), it is forgotten after MCP_CONNECT_TTL_S if no socket claims it, and a user
 * has at most MCP_MAX_SESSIONS_PER_USER sessions pending or open.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError, NotFoundError } from '../common/errors.js';
import type { McpWorkbench } from '../engine/index.js';

/** A session as the status route reports it (AGS's `active_sessions` entry). */
export interface McpSessionInfo {
  id: string;
  userId: string;
  createdAt: Date;
  lastActivity: Date;
  /** The server's capabilities once initialized; null before. */
  capabilities: Record<string, unknown> | null;
  /** Whether a socket has claimed it. */
  connected: boolean;
}

interface Entry {
  info: McpSessionInfo;
  /** Checked, not yet connected (McpWorkbench connects on first use). */
  workbench: McpWorkbench;
  expiry?: NodeJS.Timeout;
}

@Injectable()
export class McpSessions implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Registers a checked workbench for `caller`; returns the new session id.
   * @throws AppError too_many over MCP_MAX_SESSIONS_PER_USER (the workbench is closed)
   */
  register(caller: Caller, workbench: McpWorkbench): string {
    const max = this.config.mcp.maxSessionsPerUser;
    if ([...this.entries.values()].filter((e) => e.info.userId === caller.userId).length >= max) {
      void workbench.close();
      throw new AppError('too_many', `Too many MCP sessions for this user (MCP_MAX_SESSIONS_PER_USER=${max}); close one first`);
    }
    const id = randomUUID();
    const now = new Date();
    const entry: Entry = { info: { id, userId: caller.userId, createdAt: now, lastActivity: now, capabilities: null, connected: false }, workbench };
    entry.expiry = setTimeout(() => void this.end(id), this.config.mcp.connectTtlS * 1000);
    entry.expiry.unref();
    this.entries.set(id, entry);
    return id;
  }

  /**
   * Hands the session's workbench to a socket, once, when `mayOpen(owner)` says the socket's
   * caller may open the owner's session (CallerResolver.mayOpenRun: under jwt only the owner).
   * @throws NotFoundError when the session is unknown, expired, already claimed, or not the
   *   caller's to open (the same answer for each, so ids cannot be probed)
   */
  claim(id: string, mayOpen: (ownerId: string) => boolean): { info: McpSessionInfo; workbench: McpWorkbench } {
    const entry = this.entries.get(id);
    if (!entry || entry.info.connected || !mayOpen(entry.info.userId)) throw new NotFoundError('MCP session', id);
    clearTimeout(entry.expiry);
    entry.info.connected = true;
    return { info: entry.info, workbench: entry.workbench };
  }

  /** The session's status for `caller` (an admin sees every user's). @throws NotFoundError otherwise */
  status(id: string, caller: Caller): McpSessionInfo {
    const entry = this.entries.get(id);
    if (!entry || !canSee(caller, { user_id: entry.info.userId })) throw new NotFoundError('MCP session', id);
    return entry.info;
  }

  /** Forgets the session and closes its MCP connection (a stdio server's process ends). */
  async end(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    clearTimeout(entry.expiry);
    await entry.workbench.close().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.end(id)));
  }
}
