import { afterEach, describe, expect, it, vi } from 'vitest';
import { userCaller } from '../auth/caller.js';
import type { AppConfig } from '../config/config.js';
import { NotFoundError } from '../common/errors.js';
import { McpWorkbench } from '../engine/index.js';
import { McpSessions } from './mcp-sessions.js';

const config = { mcp: { maxSessionsPerUser: 2, connectTtlS: 5 } } as AppConfig;
const workbench = () => new McpWorkbench({ server_params: { type: 'StreamableHttpServerParams', url: 'https://mcp.example.com/mcp' } });

describe('McpSessions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forgets a session no socket claimed within MCP_CONNECT_TTL_S', async () => {
    vi.useFakeTimers();
    const sessions = new McpSessions(config);
    const id = sessions.register(userCaller('alice'), workbench());
    await vi.advanceTimersByTimeAsync(4_900);
    expect(sessions.status(id, userCaller('alice')).connected).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(() => sessions.claim(id, (owner) => owner === 'alice')).toThrow(NotFoundError);
  });

  it('a claimed session does not expire, is claimed once, and only by its owner', async () => {
    vi.useFakeTimers();
    const sessions = new McpSessions(config);
    const id = sessions.register(userCaller('alice'), workbench());
    expect(() => sessions.claim(id, (owner) => owner === 'bob')).toThrow(NotFoundError);
    sessions.claim(id, (owner) => owner === 'alice');
    expect(() => sessions.claim(id, (owner) => owner === 'alice')).toThrow(NotFoundError);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sessions.status(id, userCaller('alice')).connected).toBe(true);
    expect(sessions.status(id, { userId: 'root', isAdmin: true, roles: ['admin'] }).id).toBe(id);
    await sessions.onApplicationShutdown();
    expect(() => sessions.status(id, userCaller('alice'))).toThrow(NotFoundError);
  });

  it('caps sessions per user', () => {
    const sessions = new McpSessions(config);
    sessions.register(userCaller('alice'), workbench());
    sessions.register(userCaller('alice'), workbench());
    expect(() => sessions.register(userCaller('alice'), workbench())).toThrow(/MCP_MAX_SESSIONS_PER_USER=2/);
    sessions.register(userCaller('bob'), workbench());
    void sessions.onApplicationShutdown();
  });
});
