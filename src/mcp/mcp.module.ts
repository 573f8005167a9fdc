import { Module } from '@nestjs/common';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { McpController } from './mcp.controller.js';
import { McpGateway } from './mcp.gateway.js';
import { McpSessions } from './mcp-sessions.js';

/** AGS's MCP playground: `/api/mcp/ws/connect`, `/api/mcp/ws/status/:id` and the `/api/mcp/ws/:id` socket. */
@Module({
  // The engine context: the pinned stdio servers and the egress policy a team's workbench gets.
  imports: [LiveRunsModule],
  controllers: [McpController],
  providers: [McpSessions, McpGateway],
})
export class McpModule {}
