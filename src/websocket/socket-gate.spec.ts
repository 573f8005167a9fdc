import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { CallerResolver } from '../auth/caller.resolver.js';
import { UnauthorizedError } from '../common/errors.js';
import { closeReason, isSameOrigin, SocketGate } from './socket-gate.js';

const request = (headers: Record<string, string>, url = '/ws/chat', remoteAddress = '10.0.0.1') =>
  ({ headers, url, socket: { remoteAddress } }) as unknown as IncomingMessage;

const callers = (type: 'none' | 'jwt') =>
  ({
    type,
    socketCaller: (req: IncomingMessage) => {
      const user = new URL(req.url ?? '/', 'ws://x').searchParams.get('token');
      if (type === 'jwt' && !user) throw new UnauthorizedError('Authentication required');
      return { userId: user ?? 'guest', isAdmin: false, roles: [] };
    },
  }) as unknown as CallerResolver;

describe(SocketGate.name, () => {
  it('refuses a foreign Origin (4001) unless same-origin or listed; sockets without Origin are not browsers', () => {
    const gate = new SocketGate(callers('none'), { corsOrigins: ['https://app.example.com'], maxSockets: 10, maxSocketsPerUser: 10 });
    expect(gate.admit(request({ host: 'svc:8081', origin: 'https://evil.example' })).refusal).toEqual({
      code: 4001,
      reason: 'Origin https://evil.example may not open sockets here (CORS_ORIGINS)',
    });
    const allowed: Record<string, string>[] = [
      { host: 'svc:8081', origin: 'http://svc:8081' },
      { host: 'svc:8081', origin: 'https://app.example.com' },
      { host: 'svc:8081' },
    ];
    for (const headers of allowed) {
      expect(gate.admit(request(headers)).refusal).toBeUndefined();
    }
    expect(gate.admit(request({ host: 'svc:8081', origin: 'null' })).refusal?.code).toBe(4001);
  });

  it('checks the token before counting, and counts per user under jwt', () => {
    const gate = new SocketGate(callers('jwt'), { corsOrigins: [], maxSockets: 3, maxSocketsPerUser: 2 });
    expect(gate.admit(request({}, '/ws/chat')).refusal).toEqual({ code: 4001, reason: 'Unauthorized: Authentication required' });
    const open = (user: string) => {
      const admission = gate.admit(request({}, `/ws/chat?token=${user}`));
      return admission.refusal ?? admission.open();
    };
    const a1 = open('a') as () => void;
    open('a');
    expect(open('a')).toMatchObject({ code: 1013, reason: expect.stringContaining('WS_MAX_CONNECTIONS_PER_USER=2') });
    open('b');
    expect(open('c')).toMatchObject({ code: 1013, reason: expect.stringContaining('WS_MAX_CONNECTIONS=3') });
    expect(gate.openSockets).toBe(3);
    a1();
    a1(); // a release counts once
    expect(gate.openSockets).toBe(2);
    expect(typeof open('c')).toBe('function');
  });

  it('counts per client IP without auth', () => {
    const gate = new SocketGate(callers('none'), { corsOrigins: [], maxSockets: 10, maxSocketsPerUser: 1 });
    const first = gate.admit(request({}, '/ws/chat', '10.0.0.1'));
    if (!first.refusal) first.open();
    expect(gate.admit(request({}, '/ws/chat', '10.0.0.1')).refusal?.code).toBe(1013);
    expect(gate.admit(request({}, '/ws/chat', '10.0.0.2')).refusal).toBeUndefined();
  });
});

describe(closeReason.name, () => {
  it('keeps a reason within 123 UTF-8 bytes without splitting a character', () => {
    const reason = closeReason(`Origin https://${'é'.repeat(200)} may not`);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).not.toContain('\uFFFD');
    expect(closeReason('short')).toBe('short');
  });
});

describe(isSameOrigin.name, () => {
  it('compares host and port with the Host header', () => {
    expect(isSameOrigin('http://localhost:8081', 'localhost:8081')).toBe(true);
    expect(isSameOrigin('http://localhost:8082', 'localhost:8081')).toBe(false);
    expect(isSameOrigin('not a url', 'localhost:8081')).toBe(false);
    expect(isSameOrigin('http://localhost:8081', undefined)).toBe(false);
  });
});
