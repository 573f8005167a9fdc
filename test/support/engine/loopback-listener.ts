/**
 * A TCP listener on loopback that counts the connections it receives, for specs that must prove
 * something made none (the Python sandbox's escape tests).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface LoopbackListener {
  port: number;
  /**
   * How many connections were received, counting every one made before this call. The kernel
   * hands connections over in the order they were made, so once a probe connection made now
   * has been accepted, any earlier one has been too: no waiting on a timer.
   */
  connections(): Promise<number>;
  close(): Promise<void>;
}

export async function loopbackListener(): Promise<LoopbackListener> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    async connections() {
      const probe = connect(port, '127.0.0.1');
      const probePort = await new Promise<number>((resolve, reject) => {
        probe.once('connect', () => resolve(probe.localPort!));
        probe.once('error', reject);
      });
      while (!sockets.some((s) => s.remotePort === probePort)) await new Promise((resolve) => server.once('connection', resolve));
      probe.destroy();
      return sockets.filter((s) => s.remotePort !== probePort).length;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
