/**
 * A Server-Sent Events client for the run stream (`GET /api/runs/:id/stream`, src/runs/sse-viewer.ts:
 * one `id: <seq>` / `data: <frame>` event per frame, comments as heartbeats). Reads until the
 * server ends the response, or until `until` holds of the events so far; rejects after `timeoutMs`.
 */
import http from 'node:http';
import type { Frame } from './run-viewer.js';

export interface SseEvent {
  id: number;
  data: Frame;
}

export interface SseOptions {
  headers?: Record<string, string>;
  /** Stop reading (and close the request) once this holds; without it, read to the server's end. */
  until?: (events: SseEvent[]) => boolean;
  /** Default 20 s. */
  timeoutMs?: number;
}

export function readSse(url: string, options: SseOptions = {}): Promise<{ events: SseEvent[]; contentType: string }> {
  const { headers = {}, until = () => false, timeoutMs = 20_000 } = options;
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = http.get(url, { headers }, (res) => {
      const done = () => {
        clearTimeout(timer);
        resolve({ events, contentType: String(res.headers['content-type']) });
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (id && data) events.push({ id: Number(id[1]), data: JSON.parse(data[1]!) as Frame });
        }
        if (until(events)) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`SSE: not done after ${timeoutMs} ms, ${events.length} events`))), timeoutMs);
    req.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}
