/** What the fake model servers (OpenAI-compatible, Anthropic, Ollama) share of plain HTTP. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request's whole body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits `ms`, or less if the response closes first (the client aborted or went away). */
export function pause(res: ServerResponse, ms: number): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

/** Waits for `hold` to settle, or less if the response closes first. */
export async function held(res: ServerResponse, hold: Promise<unknown>): Promise<void> {
  if (res.destroyed) return;
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  res.once('close', done);
  try {
    await Promise.race([hold.then(done, done), closed]);
  } finally {
    res.off('close', done);
  }
}
