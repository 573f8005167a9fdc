import { z } from 'zod';
import { openObject } from '../common/json.js';

/** `POST /api/mcp/ws/connect` (AGS's CreateWebSocketConnectionRequest): a workbench's `server_params`. */
export const connectBodySchema = openObject({
  server_params: openObject({ type: z.enum(['StdioServerParams', 'StreamableHttpServerParams', 'SseServerParams']) }),
});
export type ConnectBody = z.infer<typeof connectBodySchema>;

/** AGS's answer to `POST /api/mcp/ws/connect` (not enveloped: the front-end reads these keys as they are). */
export const connectResultSchema = z.object({
  status: z.literal(true),
  message: z.string(),
  session_id: z.string(),
  websocket_url: z.string(),
  timestamp: z.string(),
});
export type ConnectResult = z.infer<typeof connectResultSchema>;

/** AGS's answer to `GET /api/mcp/ws/status/:session_id`. */
export const sessionStatusSchema = z.object({
  status: z.literal(true),
  message: z.string(),
  session_id: z.string(),
  connected: z.boolean(),
  capabilities: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
  last_activity: z.string(),
});
export type SessionStatus = z.infer<typeof sessionStatusSchema>;
