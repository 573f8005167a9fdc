import { Writable } from 'node:stream';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../engine/index.js';
import { createPinoLogger, PinoNestLogger } from './pino-logger.js';

/** A logger writing JSON lines into an array. */
function capture(level: 'log' | 'debug' = 'log') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = new PinoNestLogger(createPinoLogger({ level, format: 'json', destination }));
  return { logger, lines, raw };
}

describe(PinoNestLogger.name, () => {
  it('writes one JSON object per line with pino level, msg and the Nest context', () => {
    const { logger, lines } = capture();
    logger.log('TeamStream listening', 'Bootstrap');
    logger.error('boom', 'Error: boom\n    at x', 'RunService');
    expect(lines[0]).toMatchObject({ level: 'INFO', msg: 'TeamStream listening', context: 'Bootstrap', pid: process.pid });
    expect(lines[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(lines[1]).toMatchObject({ level: 'ERROR', msg: 'boom', context: 'RunService', stack: expect.stringContaining('at x') });
  });

  it('object messages become fields (run_id on a run line)', () => {
    const { logger, lines } = capture();
    logger.log({ msg: 'run started', run_id: 42 }, 'Runs');
    expect(lines[0]).toMatchObject({ msg: 'run started', run_id: 42, context: 'Runs' });
  });

  it('a message that is a JSON object (the request logger line) becomes fields', () => {
    const { logger, lines } = capture();
    logger.log('{"method":"GET","path":"/api/health","status":200,"ms":1.2}', 'Request');
    expect(lines[0]).toMatchObject({ context: 'Request', method: 'GET', path: '/api/health', status: 200, ms: 1.2 });
  });

  it('route-mapping lines are debug: dropped at LOG_LEVEL=log, kept at debug', () => {
    const quiet = capture('log');
    quiet.logger.log('Mapped {/api/teams, GET} route', 'RouterExplorer');
    quiet.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(quiet.lines).toEqual([]);
    const loud = capture('debug');
    loud.logger.log('Mapped {/api/teams, GET} route', 'RouterExplorer');
    expect(loud.lines[0]).toMatchObject({ level: 'DEBUG', context: 'RouterExplorer' });
  });

  it('never writes a secret: Authorization headers, tokens, API keys, passwords', () => {
    const { logger, raw } = capture();
    logger.log({ msg: 'request', headers: { authorization: 'Bearer eyJSECRET1.abc.def', cookie: 'sid=SECRET2' } }, 'Request');
    logger.log({ msg: 'model', config: { api_key: 'SECRET3', apiKey: 'SECRET4' }, password: 'SECRET5' }, 'Models');
    logger.warn('upstream said: Authorization: Bearer SECRET6token', 'Models');
    logger.log('GET /api/ws/runs/1?token=SECRET7&after=3', 'Request');
    logger.error(new Error('bad key sk-SECRET8abcdefgh'), 'Models');
    logger.warn({ msg: 'Run failed: 401 key sk-SECRET9abcdefgh rejected', run_id: 3 }, 'TeamManager');
    const out = raw.join('\n');
    for (let i = 1; i <= 9; i++) expect(out).not.toContain(`SECRET${i}`);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('after=3');
  });
});

describe(scrubSecrets.name, () => {
  it('masks bearer tokens, token= values and sk- keys, and leaves other text alone', () => {
    expect(scrubSecrets('Authorization: Bearer a.b.c and ?token=xyz&a=1 key sk-abcdefghijk ok')).toBe(
      'Authorization: Bearer [REDACTED] and ?token=[REDACTED]&a=1 key [REDACTED] ok',
    );
  });

  describe('trace ids (log correlation)', () => {
    const ids = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

    it('a line written while a span is active carries trace_id, span_id and trace_flags', async () => {
      // The SDK's provider registers the AsyncLocalStorage context manager, as startTracing does.
      const provider = new NodeTracerProvider();
      provider.register();
      try {
        const { logger, lines } = capture();
        const span = await trace.getTracer('test').startActiveSpan('work', async (active) => {
          await Promise.resolve();
          logger.warn({ msg: 'inside', run_id: 3 }, 'TeamManager');
          active.end();
          return active;
        });
        logger.log('outside', 'Bootstrap');
        const { traceId, spanId } = span.spanContext();
        expect(lines[0]).toMatchObject({ msg: 'inside', run_id: 3, trace_id: traceId, span_id: spanId, trace_flags: '01' });
        expect(lines[1]!.msg).toBe('outside');
        expect(lines[1]).not.toHaveProperty('trace_id');
        expect(lines[1]).not.toHaveProperty('span_id');
      } finally {
        await provider.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
      }
    });

    it('with tracing off (no context manager, no SDK) no line has trace fields', () => {
      const { logger, lines } = capture();
      context.with(trace.setSpanContext(ROOT_CONTEXT, ids), () => logger.log('no tracing', 'Bootstrap'));
      expect(lines[0]!.msg).toBe('no tracing');
      expect(Object.keys(lines[0]!).filter((k) => k.startsWith('trace') || k === 'span_id')).toEqual([]);
    });
  });
});
