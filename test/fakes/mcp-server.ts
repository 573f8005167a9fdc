/**
 * A small, real MCP server for tests, built on the SDK's McpServer. Its tools:
 *   add {a, b}         → the sum as text
 *   echo {text}        → the text
 *   fail {message}     → throws, which MCP reports as an `isError` result
 *   slow {ms}          → answers "done" after `ms`, or stops early when the call is cancelled
 *   get_env {name}     → the value of an environment variable in the server's process ("" if unset)
 *   pid {}             → the server's process id (to check that closing ends a stdio server)
 * One resource, `note://greeting` (text/plain "Hello from the fake MCP server"), and one prompt,
 * `greet {name}` (a user message "Please greet <name>.").
 *
 * Two ways to serve it:
 *   - stdio: run this file as a script (see mcp-stdio-script.ts, which compiles it for node);
 *   - streamable HTTP: `await startMcpHttpServer()` on 127.0.0.1, stateless, at `<url>`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A fresh McpServer with the test tools registered. */
export function createFakeMcpServer(): McpServer {
  const server = new McpServer({ name: 'fake-mcp', version: '1.0.0' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

  server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => text(String(a + b)));
  server.registerTool('echo', { description: 'Echoes the text back.', inputSchema: { text: z.string() } }, ({ text: value }) => text(value));
  server.registerTool('fail', { description: 'Always fails.', inputSchema: { message: z.string() } }, ({ message }) => {
    throw new Error(message);
  });
  server.registerTool('slow', { description: 'Waits, then answers.', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return text(extra.signal.aborted ? 'cancelled' : 'done');
  });
  server.registerTool('get_env', { description: 'Reads an environment variable.', inputSchema: { name: z.string() } }, ({ name }) =>
    text(process.env[name] ?? ''),
  );
  server.registerTool('pid', { description: "The server's process id." }, () => text(String(process.pid)));
  server.registerResource('greeting', 'note://greeting', { description: 'A greeting note.', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Hello from the fake MCP server' }],
  }));
  server.registerPrompt('greet', { description: 'Greets someone.', argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name}.` } }],
  }));
  return server;
}

export interface McpHttpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Headers of every HTTP request received, in order (to check that configured headers arrive). */
  requestHeaders: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Serves a fresh fake MCP server per request over stateless streamable HTTP on 127.0.0.1. */
export async function startMcpHttpServer(): Promise<McpHttpServer> {
  const requestHeaders: IncomingHttpHeaders[] = [];
  const http = createServer((req, res) => {
    requestHeaders.push(req.headers);
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no standalone SSE stream (GET) and no session to delete (DELETE).
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = createFakeMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requestHeaders,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// Run as a script: serve over stdio until stdin closes.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createFakeMcpServer().connect(new StdioServerTransport());
}
