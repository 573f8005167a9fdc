/**
 * Stop and input for a run another instance runs (cluster mode): a request/reply over Redis
 * pub/sub. Each instance listens on its own channel `<prefix>instance:<id>:commands` and gets the
 * answers to what it asked on `<prefix>instance:<id>:replies`. The caller finds the run's owner in
 * PostgreSQL (`runs.owner_instance`), publishes the command there and waits COMMAND_TIMEOUT_MS for
 * the answer, which says whether it took effect: nothing, or the same AppError (kind and message)
 * a local stop or input would have thrown. The owner answers once the command has taken effect
 * (a stop: once the run's terminal frame is stored), as a local call resolves.
 *
 * Pub/sub (not a stream) fits here: a command is only useful to the instance listening now, and an
 * owner that does not hear it is answered for by the timeout.
 *
 * Each command carries the caller's W3C trace context (`traceparent`, `tracestate`), so the owner's
 * handling is a span in the caller's trace (issue #17).
 */
import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import { AppError, describeError, ERROR_KINDS, type ErrorKind } from '../common/errors.js';
import type { DatabaseService } from '../database/database.service.js';
import { RunEntity } from '../runs/run.entity.js';
import type { RedisConnections } from './redis-connections.js';

/** How long a caller waits for the owner's answer (ms). */
export const COMMAND_TIMEOUT_MS = 5_000;

/** What one instance asks the owner of a run to do. */
export type RunCommand = { kind: 'stop'; runId: number; reason: string } | { kind: 'input'; runId: number; response: string; requestId?: string };

interface CommandMessage {
  id: string;
  /** The asking instance: where the reply goes. */
  from: string;
  command: RunCommand;
  /** W3C trace context of the caller (propagation.inject). */
  trace: Record<string, string>;
}

type ReplyMessage = { id: string; ok: true } | { id: string; ok: false; kind: ErrorKind; message: string };

export class RunCommands implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RunCommands.name);
  private readonly subscriber: Redis;
  private subscribed: Promise<unknown>;
  private readonly waiting = new Map<string, (reply: ReplyMessage) => void>();
  private handler: ((command: RunCommand) => Promise<void>) | undefined;

  constructor(
    private readonly redis: RedisConnections,
    private readonly db: DatabaseService,
    private readonly timeoutMs = COMMAND_TIMEOUT_MS,
  ) {
    this.subscriber = redis.dedicated('run-commands');
    this.subscriber.on('message', (channel: string, message: string) => this.received(channel, message));
    this.subscribed = this.subscribe();
    // ioredis subscribes again after a reconnection only to channels whose SUBSCRIBE succeeded; a
    // start while Redis was out of reach has none, so every (re)connection subscribes (idempotent).
    this.subscriber.on('ready', () => void (this.subscribed = this.subscribe()));
  }

  /** Waits for the first subscription, but never fails the start: without Redis the instance starts not ready (/api/health/ready). */
  async onModuleInit(): Promise<void> {
    await this.subscribed.catch(() => undefined);
  }

  private subscribe(): Promise<unknown> {
    const subscribed = this.subscriber.subscribe(this.channel(this.redis.instanceId, 'commands'), this.channel(this.redis.instanceId, 'replies'));
    subscribed.catch((error: unknown) => this.logger.warn(`Subscribing to run commands failed: ${String(error)}`));
    return subscribed;
  }

  /** What this instance does with a command for one of its runs (the WebSocketManager's local stop or input). */
  serve(handler: (command: RunCommand) => Promise<void>): void {
    this.handler = handler;
  }

  /**
   * Has `command` carried out by the instance that runs its run. Throws `notRunning` when no
   * other instance runs it (the run is not `active`, or it is this instance's own), the owner's
   * AppError when it refused, AppError `unavailable` when the owner did not answer within the timeout.
   */
  async forward(command: RunCommand, notRunning: AppError): Promise<void> {
    // owner_instance is not selected by default (an internal column): ask for it by name.
    const row = await this.db.dataSource
      .getRepository(RunEntity)
      .findOne({ select: { id: true, status: true, owner_instance: true }, where: { id: command.runId } });
    const owner = row?.owner_instance;
    if (row?.status !== 'active' || !owner || owner === this.redis.instanceId) throw notRunning;
    await this.send(owner, command);
  }

  /** Publishes `command` to `owner` and waits for its reply (see forward). */
  async send(owner: string, command: RunCommand): Promise<void> {
    const tracer = trace.getTracer('teamstream.server');
    await tracer.startActiveSpan(
      `run_command ${command.kind}`,
      { kind: SpanKind.PRODUCER, attributes: { 'teamstream.run.id': String(command.runId), 'teamstream.instance.owner': owner } },
      async (span) => {
        try {
          await this.subscribed.catch((error: unknown) => {
            throw new AppError('unavailable', `Cluster coordination (Redis) is unavailable (${(error as Error).message}); try again shortly`);
          });
          const message: CommandMessage = { id: randomUUID(), from: this.redis.instanceId, command, trace: {} };
          propagation.inject(context.active(), message.trace);
          const reply = await this.request(owner, message);
          if (!reply.ok) throw new AppError(reply.kind, reply.message);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve({ id: '', ok: false, kind: 'unavailable', message: 'The server is shutting down' });
    this.waiting.clear();
  }

  private request(owner: string, message: CommandMessage): Promise<ReplyMessage> {
    return new Promise<ReplyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.id);
        reject(
          new AppError('unavailable', `Instance ${owner}, which runs run ${message.command.runId}, did not answer within ${this.timeoutMs / 1000} s`),
        );
      }, this.timeoutMs);
      this.waiting.set(message.id, (reply) => {
        clearTimeout(timer);
        this.waiting.delete(message.id);
        resolve(reply);
      });
      this.redis.commands.publish(this.channel(owner, 'commands'), JSON.stringify(message)).catch((error: unknown) => {
        clearTimeout(timer);
        this.waiting.delete(message.id);
        reject(new AppError('unavailable', `Cannot reach instance ${owner}, which runs run ${message.command.runId}: ${(error as Error).message}`));
      });
    });
  }

  private received(channel: string, text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return void this.logger.warn(`Ignored a message on ${channel} that is not JSON`);
    }
    if (channel === this.channel(this.redis.instanceId, 'replies')) {
      const reply = parsed as ReplyMessage;
      return this.waiting.get(reply.id)?.(reply);
    }
    void this.handle(parsed as CommandMessage);
  }

  /** Runs a command for one of this instance's runs, in the caller's trace, and answers it. */
  private async handle(message: CommandMessage): Promise<void> {
    const parent = propagation.extract(ROOT_CONTEXT, message.trace ?? {});
    const tracer = trace.getTracer('teamstream.server');
    const reply = await tracer.startActiveSpan(
      `run_command ${message.command.kind}`,
      { kind: SpanKind.CONSUMER, attributes: { 'teamstream.run.id': String(message.command.runId), 'teamstream.instance.from': message.from } },
      parent,
      async (span): Promise<ReplyMessage> => {
        try {
          if (!this.handler) throw new AppError('unavailable', 'This instance does not serve run commands yet');
          await this.handler(message.command);
          return { id: message.id, ok: true };
        } catch (error) {
          const { kind, message: text } = describeError(error);
          if (kind === 'internal')
            this.logger.error(`Run command for run ${message.command.runId} failed: ${(error as Error).stack ?? String(error)}`);
          span.setStatus({ code: SpanStatusCode.ERROR, message: text });
          return { id: message.id, ok: false, kind: ERROR_KINDS.includes(kind) ? kind : 'internal', message: text };
        } finally {
          span.end();
        }
      },
    );
    await this.redis.commands
      .publish(this.channel(message.from, 'replies'), JSON.stringify(reply))
      .catch((error: unknown) => this.logger.warn(`Answering a run command from ${message.from} failed: ${String(error)}`));
  }

  private channel(instanceId: string, kind: 'commands' | 'replies'): string {
    return this.redis.key('instance', instanceId, kind);
  }
}
