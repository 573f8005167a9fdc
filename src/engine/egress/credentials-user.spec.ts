import { describe, expect, it } from 'vitest';
import { credentialsForUser, credentialsFromEnv, keyFor, OPENAI_DEFAULT_BASE_URL } from './credentials.js';

const server = credentialsFromEnv({
  OPENAI_API_KEY: 'sk-server',
  OPENAI_BASE_URL: 'http://proxy.internal/v1',
  AZURE_OPENAI_API_KEY: 'az-server',
  AZURE_OPENAI_ENDPOINT: 'https://server.openai.azure.com',
});

describe('credentialsForUser', () => {
  it("binds the user's OPENAI_API_KEY to the official endpoint when they set no base URL", () => {
    const c = credentialsForUser(server, { OPENAI_API_KEY: 'sk-user' });
    expect(c.openai).toEqual({ apiKey: 'sk-user', endpoint: OPENAI_DEFAULT_BASE_URL });
    expect(keyFor(c.openai, OPENAI_DEFAULT_BASE_URL)).toBe('sk-user');
    expect(keyFor(c.openai, 'http://proxy.internal/v1')).toBeUndefined();
    // The kinds the user did not set stay the server's.
    expect(c.azure).toEqual(server.azure);
  });

  it("binds the user's key to the user's own OPENAI_BASE_URL", () => {
    const c = credentialsForUser(server, { OPENAI_API_KEY: 'sk-user', OPENAI_BASE_URL: 'https://mine.example/v1' });
    expect(keyFor(c.openai, 'https://mine.example/v1')).toBe('sk-user');
    expect(c.openaiBaseUrl).toBe('https://mine.example/v1');
  });

  it("never sends the server's key to a base URL the user chose", () => {
    const c = credentialsForUser(server, { OPENAI_BASE_URL: 'https://attacker.example/v1' });
    expect(c.openaiBaseUrl).toBe('https://attacker.example/v1');
    expect(keyFor(c.openai, 'https://attacker.example/v1')).toBeUndefined();
    expect(keyFor(c.openai, 'http://proxy.internal/v1')).toBe('sk-server');
  });

  it('ignores blank and unknown variables and never touches process.env', () => {
    const before = { ...process.env };
    const c = credentialsForUser(server, { OPENAI_API_KEY: '  ', REGION: 'eu', AZURE_OPENAI_API_KEY: 'az-user' });
    expect(c).toEqual(server); // an Azure key without its endpoint is no Azure credential
    expect(process.env).toEqual(before);
  });
});
