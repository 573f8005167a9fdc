/**
 * A WebSocket client at the byte level, for what `ws` will not do: send a frame in the same
 * packets as the upgrade, stream a huge frame without holding it, or never answer a close.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  /** Everything the server sent after its 101 response. */
  received(): Buffer;
  /** Resolves when the TCP connection is fully closed. */
  closed: Promise<void>;
}

/** Opens a TCP connection, sends the upgrade request for `path` and resolves after the 101. */
export function rawUpgrade(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // a server that hangs up mid-write: seen as `closed`
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (upgraded) return;
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      buffer = buffer.subarray(end + 4);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
      upgraded = true;
      resolve({ socket, received: () => buffer, closed });
    });
    socket.once('close', () => upgraded || reject(new Error('closed before the upgrade')));
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** The header of a masked client frame (mask key 0, so the payload goes as is). */
export function frameHeader(opcode: number, length: number): Buffer {
  const mask = Buffer.alloc(4);
  if (length < 126) return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | length]), mask]);
  if (length < 65536) {
    const h = Buffer.from([0x80 | opcode, 0x80 | 126, 0, 0]);
    h.writeUInt16BE(length, 2);
    return Buffer.concat([h, mask]);
  }
  const h = Buffer.alloc(10);
  h[0] = 0x80 | opcode;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return Buffer.concat([h, mask]);
}

/** A masked close frame with `code`. */
export function closeFrame(code = 1000): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return Buffer.concat([frameHeader(0x8, 2), payload]);
}

/** The code and reason of the first frame the server sent, if it is a close frame. */
export function firstClose(data: Buffer): { code: number; reason: string } | undefined {
  if (data.length < 4 || (data[0]! & 0x0f) !== 0x8) return undefined;
  const length = data[1]! & 0x7f;
  return { code: data.readUInt16BE(2), reason: data.subarray(4, 2 + length).toString('utf8') };
}

/**
 * Streams one binary frame of `length` zero bytes, honouring back-pressure, then a close frame;
 * stops quietly when the server hangs up. Resolves with the payload bytes written.
 */
export async function streamFrame(raw: RawSocket, length: number): Promise<number> {
  const { socket } = raw;
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  let gone = false;
  void raw.closed.then(() => (gone = true));
  socket.write(frameHeader(0x2, length));
  while (written < length && !gone && socket.writable) {
    const part = chunk.subarray(0, Math.min(chunk.length, length - written));
    written += part.length;
    if (!socket.write(part)) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), raw.closed]);
    }
  }
  if (!gone && socket.writable) socket.write(closeFrame());
  return written;
}
