/**
 * AGS's MCP playground routes (AGS `web/routes/mcp.py`): `POST /api/mcp/ws/connect` checks a
 * workbench's `server_params` and returns the socket URL of a new session; `GET
 * /api/mcp/ws/status/:session_id` reports it. Not enveloped: the front-end reads AGS's keys.
 * The parameters are checked exactly as a team's McpWorkbench is (a stdio server must be one the
 * operator pinned in MCP_SERVERS_FILE, an HTTP/SSE url must pass the egress policy), so a
 * refusal is a 400 naming the problem before anything starts.
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { AppError } from '../common/errors.js';
import type { JsonObject, JsonValue } from '../common/json.js';
import { SECRET_MARKER } from '../common/secrets.js';
import { loadComponent, McpWorkbench, type LoadContext } from '../engine/index.js';
import { ENGINE_CONTEXT } from '../live-runs/engine-context.provider.js';
import { type ConnectBody, connectBodySchema, type ConnectResult, connectResultSchema, type SessionStatus, sessionStatusSchema } from './mcp.dto.js';
import { McpSessions } from './mcp-sessions.js';

export const MCP_WORKBENCH_PROVIDER = 'autogen_ext.tools.mcp.McpWorkbench';

@ApiTags('mcp')
@Controller('api/mcp/ws')
export class McpController {
  constructor(
    private readonly sessions: McpSessions,
    @Inject(ENGINE_CONTEXT) private readonly engine: LoadContext,
  ) {}

  @Post('connect')
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: connectResultSchema })
  connect(@Body({ schema: connectBodySchema }) body: ConnectBody, @CurrentUser() caller: Caller): ConnectResult {
    const config = { server_params: withoutMarkers(body.server_params) };
    // Loaded as a team's workbench is: the same pinned-server and egress checks (ConfigError → 400).
    const workbench = loadComponent({ provider: MCP_WORKBENCH_PROVIDER, component_type: 'workbench', config }, this.engine, 'workbench');
    if (!(workbench instanceof McpWorkbench)) throw new AppError('bad_request', 'server_params: not an MCP workbench');
    const sessionId = this.sessions.register(caller, workbench);
    return {
      status: true,
      message: 'WebSocket connection URL created',
      session_id: sessionId,
      websocket_url: `/api/mcp/ws/${sessionId}`,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('status/:session_id')
  @ApiOkResponse({ standardSchema: sessionStatusSchema })
  status(@Param('session_id') sessionId: string, @CurrentUser() caller: Caller): SessionStatus {
    const info = this.sessions.status(sessionId, caller);
    return {
      status: true,
      message: 'Session active',
      session_id: info.id,
      connected: info.connected,
      capabilities: info.capabilities,
      created_at: info.createdAt.toISOString(),
      last_activity: info.lastActivity.toISOString(),
    };
  }
}

/**
 * `server_params` without the values that read as the redaction marker: the builder sends a
 * workbench as it read it, its `env` / `headers` secrets redacted, and with no stored team named
 * there is nothing to restore them from; sending the text "********" as a token helps nobody.
 */
function withoutMarkers(params: JsonObject): JsonObject {
  const strip = (value: JsonValue | undefined): JsonValue | undefined => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== SECRET_MARKER));
  };
  const out: JsonObject = { ...params };
  for (const key of ['env', 'headers']) if (out[key] !== undefined) out[key] = strip(out[key]) ?? null;
  return out;
}
