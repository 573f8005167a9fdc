import { describe, expect, it } from 'vitest';
import { ANTHROPIC_DEFAULT_BASE_URL, credentialsForUser, credentialsFromEnv, keyFor, OPENAI_DEFAULT_BASE_URL } from './credentials.js';

const server = credentialsFromEnv({
  OPENAI_API_KEY: 'sk-server',
  OPENAI_BASE_URL: 'http://proxy.internal/v1',
  AZURE_OPENAI_API_KEY: 'az-server',
  AZURE_OPENAI_ENDPOINT: 'https://server.openai.azure.com',
});

describe('credentialsForUser', () => {
  it("binds the user's OPENAI_API_KEY, with no base URL of their own, to the endpoint the server uses (the operator's OPENAI_BASE_URL)", () => {
    const c = credentialsForUser(server, { OPENAI_API_KEY: 'sk-user' });
    expect(c.openai).toEqual({ apiKey: 'sk-user', endpoint: 'http://proxy.internal/v1' });
    // The server's key is never used for this user's requests there.
    expect(keyFor(c.openai, 'http://proxy.internal/v1')).toBe('sk-user');
    expect(keyFor(c.openai, OPENAI_DEFAULT_BASE_URL)).toBeUndefined();
    // The kinds the user did not set stay the server's.
    expect(c.azure).toEqual(server.azure);
  });

  it("binds a user's key to the official endpoint when the operator set no endpoint variable", () => {
    const c = credentialsForUser(credentialsFromEnv({ OPENAI_API_KEY: 'sk-server' }), { OPENAI_API_KEY: 'sk-user', ANTHROPIC_API_KEY: 'an-user' });
    expect(c.openai).toEqual({ apiKey: 'sk-user', endpoint: OPENAI_DEFAULT_BASE_URL });
    expect(c.anthropic).toEqual({ apiKey: 'an-user', endpoint: ANTHROPIC_DEFAULT_BASE_URL });
  });

  it("binds a user's Azure key without an endpoint to the operator's AZURE_OPENAI_ENDPOINT", () => {
    const c = credentialsForUser(server, { AZURE_OPENAI_API_KEY: 'az-user' });
    expect(c.azure).toEqual({ apiKey: 'az-user', endpoint: 'https://server.openai.azure.com' });
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
    const c = credentialsForUser(credentialsFromEnv({ OPENAI_API_KEY: 'sk-server' }), {
      OPENAI_API_KEY: '  ',
      REGION: 'eu',
      AZURE_OPENAI_API_KEY: 'az-user',
    });
    // No Azure endpoint anywhere: an Azure key alone is no Azure credential.
    expect(c).toEqual(credentialsFromEnv({ OPENAI_API_KEY: 'sk-server' }));
    expect(process.env).toEqual(before);
  });
});
