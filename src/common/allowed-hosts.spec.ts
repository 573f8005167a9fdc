import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { allowedHosts, checkHost, hostName } from './allowed-hosts.js';

const refused = (host: string | undefined, allowed = allowedHosts([], '127.0.0.1')) => {
  try {
    checkHost(host, allowed);
    return false;
  } catch (error) {
    return error instanceof AppError && error.kind === 'forbidden';
  }
};

describe(checkHost.name, () => {
  it('accepts the loopback names and HOST, with or without a port, and refuses any other name (DNS rebinding)', () => {
    for (const host of ['127.0.0.1:8081', 'localhost:8081', 'LOCALHOST', '[::1]:8081', '127.0.0.1']) expect(refused(host), host).toBe(false);
    for (const host of ['rebind.evil.example:8081', 'evil.example', '127.0.0.2:8081', '', undefined, 'a b'])
      expect(refused(host), String(host)).toBe(true);
    expect(refused('teams.internal:443', allowedHosts([], 'teams.internal'))).toBe(false);
  });

  it('adds ALLOWED_HOSTS to the loopback names; * or a wildcard HOST without it accepts any', () => {
    const listed = allowedHosts(['app.example.com'], '0.0.0.0');
    expect(refused('app.example.com:8081', listed)).toBe(false);
    expect(refused('localhost:8081', listed)).toBe(false);
    expect(refused('other.example.com', listed)).toBe(true);
    expect(refused('anything.example', allowedHosts(['*'], '127.0.0.1'))).toBe(false);
    expect(refused('anything.example', allowedHosts([], '0.0.0.0'))).toBe(false);
  });
});

describe(hostName.name, () => {
  it('drops the port and the IPv6 brackets', () => {
    expect(hostName('Example.COM:8081')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('::1')).toBe('::1');
    expect(hostName(undefined)).toBeUndefined();
  });
});
