/** A small web site on loopback for the web surfer tests; it records every request path it gets. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Site {
  url: string;
  port: number;
  /** Paths (with query) in arrival order, favicon requests left out. */
  paths: string[];
  close(): Promise<void>;
}

export type Pages = (path: string) => { status?: number; headers?: Record<string, string>; body?: string } | undefined;

export async function startSite(pages: Pages): Promise<Site> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path !== '/favicon.ico') paths.push(path);
    const page = pages(path);
    res.writeHead(page?.status ?? (page ? 200 : 404), { 'content-type': 'text/html; charset=utf-8', ...page?.headers });
    res.end(page?.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
