import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, describeDatabase, loadConfig } from './config.js';
import { envSchema } from './config.schema.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected loadConfig to throw');
}

describe(loadConfig.name, () => {
  it('applies every default to an empty environment', () => {
    expect(loadConfig({})).toEqual({
      http: { host: '127.0.0.1', port: 8081, bodyLimit: '1mb', rateLimitPerMinute: 600 },
      database: { kind: 'sqlite', path: resolve('./data/teamstream.db'), logging: false },
      log: { level: 'log' },
      auth: { type: 'none', jwtSecret: undefined },
      openai: { apiKey: undefined, baseUrl: undefined },
      engine: { toolsDir: undefined, mcpStdioAllow: [] },
      runs: {
        chunkFlushMs: 50,
        chunkFlushMax: 64,
        onDisconnect: 'detach',
        inputTimeoutS: 180,
        maxTurns: 100,
        maxSeconds: 3600,
        maxLiveRuns: 200,
        maxLiveRunsPerUser: 20,
        maxFrameBytes: 16 * 1024 * 1024,
        maxTaskChars: 100_000,
        maxFileBytes: 10 * 1024 * 1024,
        pingIntervalMs: 30_000,
        viewerSoftLimitBytes: 1024 * 1024,
        viewerHardLimitBytes: 16 * 1024 * 1024,
        dbRetryS: 30,
      },
      chat: { socketTeam: 'Weather chat', completionsTeam: 'Customer support' },
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ OPENAI_API_KEY: '', PORT: '9000' }).openai.apiKey).toBeUndefined();
  });

  it('splits MCP_STDIO_ALLOW on commas', () => {
    expect(loadConfig({ MCP_STDIO_ALLOW: 'npx, uvx,' }).engine.mcpStdioAllow).toEqual(['npx', 'uvx']);
  });

  it('selects PostgreSQL for a postgres:// URL and keeps the schema', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:secret@db:5432/app', DATABASE_SCHEMA: 'suite_1' });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:secret@db:5432/app',
      schema: 'suite_1',
      logging: false,
    });
    expect(describeDatabase(config.database)).not.toContain('secret');
  });

  it('reads sqlite:// absolute paths and :memory:', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:///tmp/x.db' }).database).toMatchObject({ path: '/tmp/x.db' });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toMatchObject({ path: ':memory:' });
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['AUTH_TYPE', { AUTH_TYPE: 'oauth' }],
    ['OPENAI_BASE_URL', { OPENAI_BASE_URL: 'not a url' }],
    ['DATABASE_SCHEMA', { DATABASE_URL: 'postgres://h/db', DATABASE_SCHEMA: 'Bad-Name' }],
    ['DATABASE_LOGGING', { DATABASE_LOGGING: 'yes' }],
    ['RUN_ON_DISCONNECT', { RUN_ON_DISCONNECT: 'linger' }],
    ['RUN_INPUT_TIMEOUT_S', { RUN_INPUT_TIMEOUT_S: '0' }],
    ['HTTP_BODY_LIMIT', { HTTP_BODY_LIMIT: 'lots' }],
    ['RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: '-1' }],
    ['DB_RETRY_S', { DB_RETRY_S: '-1' }],
  ])('names %s when it is bad', (key, env) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key}: `));
  });

  it('reports every bad key in one error', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', AUTH_TYPE: 'oauth' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['AUTH_TYPE', 'LOG_LEVEL', 'PORT']);
  });

  it('requires JWT_SECRET when AUTH_TYPE=jwt', () => {
    expect(problemsOf({ AUTH_TYPE: 'jwt' })).toEqual(['JWT_SECRET: required when AUTH_TYPE=jwt']);
  });

  it('refuses a JWT_SECRET shorter than the 256 bits HS256 needs', () => {
    expect(problemsOf({ AUTH_TYPE: 'jwt', JWT_SECRET: 'short' })).toEqual(['JWT_SECRET: must be at least 32 characters for HS256 (RFC 7518 §3.2)']);
    expect(loadConfig({ AUTH_TYPE: 'jwt', JWT_SECRET: 'x'.repeat(32) }).auth).toEqual({ type: 'jwt', jwtSecret: 'x'.repeat(32) });
  });

  it('reads DB_RETRY_S in seconds, fractions allowed', () => {
    expect(loadConfig({ DB_RETRY_S: '0.5' }).runs.dbRetryS).toBe(0.5);
  });

  it('reads the REST limits', () => {
    expect(loadConfig({ HTTP_BODY_LIMIT: '512KB', RATE_LIMIT_PER_MINUTE: '0' }).http).toMatchObject({ bodyLimit: '512kb', rateLimitPerMinute: 0 });
  });
});

describe('.env.example', () => {
  it('lists exactly the keys of the config schema, and loads as is', () => {
    const example = parse(readFileSync(new URL('../../.env.example', import.meta.url)));
    expect(Object.keys(example).sort()).toEqual(Object.keys(envSchema.shape).sort());
    expect(() => loadConfig(example)).not.toThrow();
  });
});
