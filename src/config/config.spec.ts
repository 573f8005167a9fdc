import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
      log: { level: 'log', format: 'auto' },
      auth: { type: 'none', jwtSecret: undefined },
      secrets: { key: undefined, previousKeys: [] },
      openai: { apiKey: undefined, baseUrl: undefined },
      azure: { apiKey: undefined, endpoint: undefined },
      anthropic: { apiKey: undefined, baseUrl: undefined },
      engine: { toolsDir: undefined, egressAllow: [], egressMaxResponseBytes: 32 * 1024 * 1024, mcpServers: [] },
      tools: {
        python: 'sandbox',
        pythonPoolSize: 2,
        pythonMaxProcesses: 6,
        pythonMaxProcessesPerUser: 2,
        pythonTimeoutMs: 30_000,
        pythonMemoryMb: 256,
        maxOutputChars: 50_000,
        googleApiKey: undefined,
        googleCseId: undefined,
        imagesDir: resolve('./data/images'),
        webSurfer: { chromiumPath: '/usr/bin/chromium', searchUrl: 'https://www.bing.com/search?q={query}&FORM=QBLH' },
      },
      runs: {
        chunkFlushMs: 50,
        chunkFlushMax: 64,
        compactChunks: true,
        maxFrames: 100_000,
        onDisconnect: 'grace',
        detachGraceS: 60,
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
      edge: { corsOrigins: [], allowedHosts: [], maxJsonDepth: 64, maxSockets: 1000, maxSocketsPerUser: 50 },
      chat: { socketTeam: 'Weather chat', completionsTeam: 'Customer support' },
      mcp: { maxSessionsPerUser: 4, connectTtlS: 60 },
      ops: { shutdownGraceS: 25, metrics: false, metricsPort: undefined },
      cluster: { mode: 'off' },
    });
  });

  it('reads cluster mode, which needs PostgreSQL, and names an instance when INSTANCE_ID is unset', () => {
    const postgres = { CLUSTER: 'redis', DATABASE_URL: 'postgres://u@127.0.0.1:5432/test' };
    expect(
      loadConfig({ ...postgres, REDIS_URL: 'redis://cache:6380/2', REDIS_KEY_PREFIX: 'ts:eu:', RUN_LEASE_S: '5', INSTANCE_ID: 'a-1' }).cluster,
    ).toEqual({
      mode: 'redis',
      redisUrl: 'redis://cache:6380/2',
      keyPrefix: 'ts:eu:',
      leaseS: 5,
      instanceId: 'a-1',
    });
    const defaults = loadConfig(postgres).cluster;
    expect(defaults).toMatchObject({ mode: 'redis', redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'teamstream:', leaseS: 15 });
    expect(defaults.mode === 'redis' && defaults.instanceId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{4}$`));
    expect(problemsOf({ CLUSTER: 'redis' })).toEqual([expect.stringMatching(/^CLUSTER: redis needs a postgres:\/\/ DATABASE_URL/)]);
    expect(problemsOf({ ...postgres, REDIS_URL: 'http://x', RUN_LEASE_S: '1', INSTANCE_ID: 'a b' })).toEqual([
      expect.stringMatching(/^REDIS_URL: /),
      expect.stringMatching(/^RUN_LEASE_S: /),
      expect.stringMatching(/^INSTANCE_ID: /),
    ]);
    expect(problemsOf({ RUN_LEASE_S: 'abc', MAX_LIVE_RUNS: 'ten' })).toEqual([
      'MAX_LIVE_RUNS: expected a number, got "ten"',
      'RUN_LEASE_S: expected a number, got "abc"',
    ]);
  });

  it('reads the Python sandbox and web tool settings, refusing an unknown PYTHON_TOOLS', () => {
    const tools = loadConfig({
      PYTHON_TOOLS: 'off',
      PYTHON_POOL_SIZE: '4',
      PYTHON_MAX_PROCESSES: '10',
      PYTHON_MAX_PROCESSES_PER_USER: '3',
      PYTHON_TIMEOUT_S: '5',
      PYTHON_MEMORY_MB: '512',
      TOOL_MAX_OUTPUT_CHARS: '2000',
      GOOGLE_API_KEY: 'g',
      GOOGLE_CSE_ID: 'cx',
    }).tools;
    expect(tools).toMatchObject({
      python: 'off',
      pythonPoolSize: 4,
      pythonMaxProcesses: 10,
      pythonMaxProcessesPerUser: 3,
      pythonTimeoutMs: 5000,
      pythonMemoryMb: 512,
      maxOutputChars: 2000,
      googleApiKey: 'g',
      googleCseId: 'cx',
    });
    expect(problemsOf({ PYTHON_TOOLS: 'host', PYTHON_POOL_SIZE: '0', PYTHON_MAX_PROCESSES_PER_USER: '0' })).toEqual([
      expect.stringMatching(/^PYTHON_TOOLS: /),
      expect.stringMatching(/^PYTHON_POOL_SIZE: /),
      expect.stringMatching(/^PYTHON_MAX_PROCESSES_PER_USER: /),
    ]);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ OPENAI_API_KEY: '', PORT: '9000' }).openai.apiKey).toBeUndefined();
  });

  it('refuses the removed MCP_STDIO_ALLOW, pointing to MCP_SERVERS_FILE', () => {
    expect(problemsOf({ MCP_STDIO_ALLOW: 'npx' })).toEqual([expect.stringMatching(/^MCP_STDIO_ALLOW: removed .*MCP_SERVERS_FILE/)]);
    expect(() => loadConfig({ MCP_STDIO_ALLOW: ' ' })).not.toThrow();
  });

  it('reads EGRESS_ALLOW into rules and names every bad entry', () => {
    expect(loadConfig({ EGRESS_ALLOW: '127.0.0.1:11434, 10.0.0.0/8' }).engine.egressAllow.map((r) => r.text)).toEqual([
      '127.0.0.1:11434',
      '10.0.0.0/8',
    ]);
    expect(problemsOf({ EGRESS_ALLOW: '10.0.0.0/99,ok,host:x' })).toEqual([
      expect.stringMatching(/^EGRESS_ALLOW: "10\.0\.0\.0\/99"/),
      expect.stringMatching(/^EGRESS_ALLOW: "host:x"/),
    ]);
  });

  it('reads EGRESS_MAX_RESPONSE_BYTES, at least 1024', () => {
    expect(loadConfig({ EGRESS_MAX_RESPONSE_BYTES: '1048576' }).engine.egressMaxResponseBytes).toBe(1048576);
    expect(problemsOf({ EGRESS_MAX_RESPONSE_BYTES: '10' })).toEqual([expect.stringMatching(/^EGRESS_MAX_RESPONSE_BYTES: /)]);
  });

  it('reads the pinned MCP servers of MCP_SERVERS_FILE, and reports a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-mcp-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify([{ name: 'files', command: 'npx', args: ['-y', 'server@1.0.0'] }]));
    expect(loadConfig({ MCP_SERVERS_FILE: good }).engine.mcpServers).toEqual([
      { name: 'files', command: 'npx', args: ['-y', 'server@1.0.0'], env: {}, allow_env: [] },
    ]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x', command: 'node', allow_env: ['LD_PRELOAD'] }]));
    expect(problemsOf({ MCP_SERVERS_FILE: bad })).toEqual([expect.stringMatching(/^MCP_SERVERS_FILE .*LD_PRELOAD/)]);
  });

  it('requires AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY (the key is bound to it)', () => {
    expect(problemsOf({ AZURE_OPENAI_API_KEY: 'k' })).toEqual([expect.stringMatching(/^AZURE_OPENAI_API_KEY: requires AZURE_OPENAI_ENDPOINT/)]);
    expect(loadConfig({ AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' }).azure).toEqual({
      apiKey: 'k',
      endpoint: 'https://x.openai.azure.com',
    });
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
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.com/path' }],
    ['MAX_JSON_DEPTH', { MAX_JSON_DEPTH: '1' }],
    ['WS_MAX_CONNECTIONS', { WS_MAX_CONNECTIONS: '0' }],
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

describe('edge settings', () => {
  it('splits CORS_ORIGINS on commas and accepts *', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }).edge.corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).edge.corsOrigins).toEqual(['*']);
  });
});

describe('.env.example', () => {
  it('lists exactly the keys of the config schema, and loads as is', () => {
    const example = parse(readFileSync(new URL('../../.env.example', import.meta.url)));
    expect(Object.keys(example).sort()).toEqual(Object.keys(envSchema.shape).sort());
    expect(() => loadConfig(example)).not.toThrow();
  });
});

describe('OpenTelemetry settings', () => {
  it('accepts the standard values (booleans in any case) and refuses others naming the variable', () => {
    expect(() => loadConfig({ OTEL_SDK_DISABLED: 'FALSE', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'True' })).not.toThrow();
    expect(() => loadConfig({ OTEL_SDK_DISABLED: 'yes' })).toThrow(/OTEL_SDK_DISABLED/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => loadConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes' })).toThrow(
      /OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT/,
    );
  });
});
