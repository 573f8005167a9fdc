/**
 * The service's log: pino behind Nest's LoggerService. nestjs-pino is not used because its
 * current releases (5.x, the only ones accepting Nest 12) declare `engines.node >=22.12` while
 * this service supports Node 20; pino itself supports Node 20.
 *
 * LOG_FORMAT=json writes one JSON object per line (pino's format: level, time, msg, context…);
 * `pretty` uses pino-pretty; `auto` is pretty on a terminal, JSON otherwise. Secrets never reach
 * the output: known secret fields are censored by pino's `redact`, and bearer tokens, `token=`
 * query values and API-key-looking strings are masked inside message text (the engine's
 * scrubSecrets, which its upstream error messages go through too).
 *
 * A line written while an OpenTelemetry span is active (tracing on: a request, a run, a socket
 * frame) carries `trace_id`, `span_id` and `trace_flags`, the log-correlation fields of the
 * OpenTelemetry log data model as @opentelemetry/instrumentation-pino spells them; with tracing off
 * no span is ever active and the fields are absent.
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevelName } from '../config/config.schema.js';
import { scrubSecrets } from '../engine/index.js';

/** Nest's level names → pino's. */
const PINO_LEVEL: Record<LogLevel, Level> = { verbose: 'trace', debug: 'debug', log: 'info', warn: 'warn', error: 'error', fatal: 'fatal' };

/** Object paths pino censors wherever a log line carries them. */
export const REDACT_PATHS = [
  'authorization',
  'password',
  'token',
  'api_key',
  'apiKey',
  'secret',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.token',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  '*.headers.authorization',
  '*.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

/** Nest's contexts whose `log` lines are start-up noise (every module and route mapped), shown only at debug. */
const NOISY_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'WebSocketsController']);

export interface PinoLoggerOptions {
  level: LogLevelName;
  format: 'auto' | 'json' | 'pretty';
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Whether stdout is a terminal (for `auto`); default process.stdout.isTTY. */
  isTty?: boolean;
}

/** The pino logger with the service's level, format and redaction. */
export function createPinoLogger(options: PinoLoggerOptions): Logger {
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && (options.isTty ?? process.stdout.isTTY === true));
  const destination =
    options.destination ??
    (usePretty ? pretty({ colorize: options.isTty ?? process.stdout.isTTY === true, sync: true }) : pino.destination({ sync: true }));
  return pino(
    {
      level: PINO_LEVEL[options.level],
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
      // The level as its name (`"level":"WARN"`), readable by people and by collectors alike.
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: traceFields,
    },
    destination,
  );
}

/**
 * The active span's ids as log fields (`trace_id`: 32 hex digits, `span_id`: 16, `trace_flags`:
 * 2, `01` when sampled), or none when no valid span is active (tracing off, or outside any span).
 */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return {};
  return { trace_id: ids.traceId, span_id: ids.spanId, trace_flags: `0${ids.traceFlags.toString(16)}`.slice(-2) };
}

/** Nest's LoggerService on pino: `context` becomes a field, objects become fields, text is scrubbed. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    this.write(context !== undefined && NOISY_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = contextOf(rest);
    // Nest passes (message, stack, context) for errors and (message, context) otherwise.
    const extra = context === undefined ? rest : rest.slice(0, -1);
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    const stack = extra.find((v): v is string => typeof v === 'string');
    if (stack) fields.stack = scrubSecrets(stack);
    if (message instanceof Error) {
      const err = { type: message.name, message: scrubSecrets(message.message), stack: scrubSecrets(message.stack ?? '') };
      this.pino[level]({ ...fields, err }, err.message);
    } else if (typeof message === 'object' && message !== null) {
      const object = { ...fields, ...(message as Record<string, unknown>) };
      // A run line's text (runLine) can quote an error as freely as a plain one: scrub it alike.
      if (typeof object.msg === 'string') object.msg = scrubSecrets(object.msg);
      this.pino[level](object);
    } else {
      const text = scrubSecrets(String(message));
      // A line already written as JSON (the request logger's) becomes fields, not an escaped string.
      const object = text.startsWith('{') ? jsonObjectOf(text) : undefined;
      if (object) this.pino[level]({ ...fields, ...object });
      else this.pino[level](fields, text);
    }
  }
}

/** Nest's logger passes the context as the last string argument. */
function contextOf(rest: unknown[]): string | undefined {
  const last = rest.at(-1);
  return typeof last === 'string' ? last : undefined;
}

/** `text` parsed, when it is one JSON object (parsed once: this runs for every request line). */
function jsonObjectOf(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
