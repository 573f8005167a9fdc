import { describe, expect, it } from 'vitest';
import { isLoopbackHost, startupWarnings } from './app.factory.js';
import { loadConfig } from './config/config.js';

describe(startupWarnings.name, () => {
  it('warns when AUTH_TYPE=none listens beyond loopback, when any Host is served, and when any origin may call', () => {
    expect(startupWarnings(loadConfig({}))).toEqual([]);
    expect(startupWarnings(loadConfig({ HOST: '0.0.0.0' }))[0]).toMatch(/^!!! AUTH_TYPE=none while listening on HOST=0\.0\.0\.0/);
    const jwt = { AUTH_TYPE: 'jwt', JWT_SECRET: 'x'.repeat(32) };
    expect(startupWarnings(loadConfig({ HOST: '0.0.0.0', ...jwt }))).toEqual([expect.stringMatching(/ALLOWED_HOSTS is not set/)]);
    expect(startupWarnings(loadConfig({ HOST: '0.0.0.0', ALLOWED_HOSTS: 'teams.example.com', ...jwt }))).toEqual([]);
    expect(startupWarnings(loadConfig({ CORS_ORIGINS: '*' }))).toEqual([expect.stringMatching(/^CORS_ORIGINS=\*/)]);
  });

  it('counts 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '127.0.0.1.example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});
