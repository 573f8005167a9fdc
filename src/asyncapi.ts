/**
 * The AsyncAPI 3.0 document of TeamStream's streaming surfaces (protocol §1.3–1.5, §2.2–2.3, §2.8):
 * the run socket `/api/ws/runs/{run_id}`, the run's Server-Sent Events stream
 * `GET /api/runs/{run_id}/stream`, and the plain-text `/ws/chat` socket.
 *
 * Every message payload is generated with zod 4's `z.toJSONSchema` from the very schemas in
 * `runs/ws-frames.ts` that the gateway parses client frames with and whose inferred types the
 * server's frame builders are checked against by tsc, so the document cannot drift from the code. The AGS MCP playground socket (`/api/mcp/ws/{id}`)
 * is not described: its frames have no zod schemas yet.
 */
import { z } from 'zod';
import {
  AgentMessageWireSchema,
  ChunkWireSchema,
  ClientFrameSchema,
  TeamResultSchema,
  ErrorFrameSchema,
  GapFrameSchema,
  PongFrameSchema,
  RunFrameSchemas,
  SystemFrameSchema,
} from './runs/ws-frames.js';

/** A JSON object as the document holds it (AsyncAPI is plain JSON). */
type Json = Record<string, unknown>;

/** Component name → zod schema; each becomes `components.schemas.<name>` and a message of that name. */
const FRAME_SCHEMAS = {
  ClientFrame: ClientFrameSchema,
  SystemFrame: SystemFrameSchema,
  PongFrame: PongFrameSchema,
  ErrorFrame: ErrorFrameSchema,
  MessageFrame: RunFrameSchemas.message,
  MessageChunkFrame: RunFrameSchemas.message_chunk,
  InputRequestFrame: RunFrameSchemas.input_request,
  ResultFrame: RunFrameSchemas.result,
  CompletionFrame: RunFrameSchemas.completion,
  GapFrame: GapFrameSchema,
} as const;
export type FrameSchemaName = keyof typeof FRAME_SCHEMAS;

const MESSAGE_DOCS: Record<FrameSchemaName, string> = {
  ClientFrame: 'A client frame: `start` (task, files, team_config), `stop`, `input_response` or `ping`.',
  SystemFrame: 'First frame after the upgrade: the socket is attached to the run.',
  PongFrame: 'Answer to a `ping` frame.',
  ErrorFrame: 'A client frame was not understood or not allowed; the socket stays open.',
  MessageFrame: 'An AgentChat message or event of the run (stored, has a `seq`).',
  MessageChunkFrame: 'A streamed piece of a model answer (stored until its message is, has a `seq`).',
  InputRequestFrame: 'A UserProxyAgent waits for a human; answer with `input_response` and the same `request_id`.',
  ResultFrame: "The run completed: AGS's TeamResult with real usage. Terminal.",
  CompletionFrame: 'The run was cancelled or failed. Terminal.',
  GapFrame: 'On replay, stands for seqs `from`..`to` that have no stored frame (never stored).',
};

/** Server → client frames of a run (what the socket and the SSE stream both carry), by component name. */
const RUN_FRAMES: FrameSchemaName[] = ['MessageFrame', 'MessageChunkFrame', 'InputRequestFrame', 'ResultFrame', 'CompletionFrame', 'GapFrame'];
const SOCKET_ONLY_FRAMES: FrameSchemaName[] = ['SystemFrame', 'PongFrame', 'ErrorFrame'];

/**
 * The JSON Schemas (draft-07, AsyncAPI's default schema format) of every frame and of the shared
 * parts zod names with `.meta({ id })` (AgentMessage, TeamResult…), keyed by component name, with
 * `$ref`s of the form `#/components/schemas/<name>`.
 */
export function frameJsonSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(FRAME_SCHEMAS)) registry.add(schema, { id: name });
  // The parts several frames share are components of their own, referenced from each frame.
  registry.add(AgentMessageWireSchema, { id: 'AgentMessage' });
  registry.add(ChunkWireSchema, { id: 'ModelClientStreamingChunkEvent' });
  registry.add(TeamResultSchema, { id: 'TeamResult' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-7',
    uri: (id) => `#/components/schemas/${id}`,
    // Only the registered schemas are components; other reused parts (run_id, usage) are inlined.
    reused: 'inline',
  }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) delete schema.$schema;
  return schemas;
}

const ref = (name: string) => ({ $ref: `#/components/messages/${name}` });

/** Builds the document; `version` is the app's version (package.json). */
export function buildAsyncApiDocument(version: string): Json {
  const schemas = frameJsonSchemas();
  const messages: Json = {};
  for (const name of Object.keys(FRAME_SCHEMAS) as FrameSchemaName[]) {
    messages[name] = {
      name,
      title: name,
      summary: MESSAGE_DOCS[name],
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${name}` },
    };
  }
  messages.ChatText = {
    name: 'ChatText',
    summary:
      'One text frame of /ws/chat: from the client, a task (first frame, or after `Done: …`) or the answer to an input request; from the server, one human-readable line per event.',
    contentType: 'text/plain',
    payload: { type: 'string' },
  };

  const runIdParam = { description: 'The run id (a positive integer), from POST /api/runs.' };
  const afterBinding = {
    ws: {
      query: {
        type: 'object',
        properties: {
          after: { type: 'string', pattern: '^[0-9]+$', description: 'Replay frames with seq greater than this (default 0: all).' },
          token: { type: 'string', description: 'AUTH_TYPE=jwt: the HS256 token, when no Authorization header can be sent.' },
        },
      },
    },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'TeamStream streaming protocol',
      version,
      description:
        "The AutoGen Studio playground socket and TeamStream's additions (see the README's protocol section). Frame payloads are generated from the zod schemas the server validates with. The REST API is in the OpenAPI document at /api/docs-json.",
    },
    defaultContentType: 'application/json',
    servers: {
      websocket: {
        host: '{host}',
        protocol: 'ws',
        description: 'The service itself (wss behind TLS).',
        variables: { host: { default: 'localhost:8081', description: 'host:port of the service' } },
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/queryToken' }],
      },
      http: {
        host: '{host}',
        protocol: 'http',
        description: 'The service itself, for the Server-Sent Events stream (https behind TLS).',
        variables: { host: { default: 'localhost:8081', description: 'host:port of the service' } },
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/queryToken' }],
      },
    },
    channels: {
      runSocket: {
        address: '/api/ws/runs/{run_id}',
        title: 'Run socket',
        description:
          'The AGS playground socket of one run: send `start` to run the team, watch every frame, answer input requests, `stop` it. `?after=<seq>` replays stored frames first (gap frames mark holes).',
        servers: [{ $ref: '#/servers/websocket' }],
        parameters: { run_id: runIdParam },
        messages: Object.fromEntries(['ClientFrame', ...RUN_FRAMES, ...SOCKET_ONLY_FRAMES].map((n) => [n, ref(n)])),
        bindings: afterBinding,
      },
      runStream: {
        address: '/api/runs/{run_id}/stream',
        title: 'Run event stream (SSE)',
        description:
          'GET, text/event-stream: one event per run frame, `id:` its seq and `data:` its JSON; resume with `Last-Event-ID` or `?after=<seq>`. Comment lines are heartbeats.',
        servers: [{ $ref: '#/servers/http' }],
        parameters: { run_id: runIdParam },
        messages: Object.fromEntries(RUN_FRAMES.map((n) => [n, ref(n)])),
      },
      chatSocket: {
        address: '/ws/chat',
        title: 'Plain-text chat socket',
        description: 'AG2-style: the first text frame is a task for the configured team, each event comes back as text. Closing it stops the run.',
        servers: [{ $ref: '#/servers/websocket' }],
        messages: { ChatText: ref('ChatText') },
      },
    },
    operations: {
      receiveClientFrame: {
        action: 'receive',
        title: 'Client frames the server receives on the run socket',
        channel: { $ref: '#/channels/runSocket' },
        messages: [{ $ref: '#/channels/runSocket/messages/ClientFrame' }],
      },
      sendRunSocketFrame: {
        action: 'send',
        title: 'Frames the server sends on the run socket',
        channel: { $ref: '#/channels/runSocket' },
        messages: [...RUN_FRAMES, ...SOCKET_ONLY_FRAMES].map((n) => ({ $ref: `#/channels/runSocket/messages/${n}` })),
      },
      sendRunStreamEvent: {
        action: 'send',
        title: 'Events the server sends on the SSE stream',
        channel: { $ref: '#/channels/runStream' },
        messages: RUN_FRAMES.map((n) => ({ $ref: `#/channels/runStream/messages/${n}` })),
      },
      chatFromClient: {
        action: 'receive',
        title: 'Tasks and answers the server receives on /ws/chat',
        channel: { $ref: '#/channels/chatSocket' },
        messages: [{ $ref: '#/channels/chatSocket/messages/ChatText' }],
      },
      chatToClient: {
        action: 'send',
        title: 'Event lines the server sends on /ws/chat',
        channel: { $ref: '#/channels/chatSocket' },
        messages: [{ $ref: '#/channels/chatSocket/messages/ChatText' }],
      },
    },
    components: {
      schemas,
      messages,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'AUTH_TYPE=jwt: an HS256 token in `Authorization: Bearer`. With AUTH_TYPE=none no token is needed.',
        },
        queryToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description: 'AUTH_TYPE=jwt: the same token as `?token=` (browsers cannot set headers on a WebSocket).',
        },
      },
    },
  };
}
