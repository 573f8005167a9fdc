/**
 * One viewer's WebSocket on a run: parses each client frame against the zod union, replies or
 * delegates, and turns refusals into `error` frames without closing the socket. Frames from one
 * socket are handled in order, one at a time.
 */
import { Logger } from '@nestjs/common';
import { WebSocket, type RawData } from 'ws';
import { AppError, describeError, ERROR_TRANSPORT } from '../common/errors.js';
import { describeJsonInputProblem, findJsonInputProblem } from '../common/json-input.js';
import type { RunEntity } from './run.entity.js';
import type { RunStarter } from './run-starter.js';
import type { StreamingOptions } from './streaming-options.js';
import { rawText } from '../websocket/raw-data.js';
import { traceFrame, type FrameSpan } from '../websocket/frame-span.js';
import { batchWritesThisTurn, flushWrites } from '../websocket/write-batching.js';
import { ViewerOutbox } from './viewer-outbox.js';
import type { Viewer, WebSocketManager } from './websocket-manager.js';
import { ClientFrameSchema, DEFAULT_STOP_REASON, describeFrameError, frames, type ClientFrame, type RunFrame } from './ws-frames.js';
import { runLine } from '../observability/run-log.js';

/** The run socket's route, as its frame spans name it. */
export const RUN_SOCKET_ROUTE = '/api/ws/runs/:id';

/** The streaming options, and MAX_JSON_DEPTH for the frames this socket parses. */
export type RunSocketOptions = StreamingOptions & { maxJsonDepth: number };

export class RunSocket implements Viewer {
  private static readonly logger = new Logger(RunSocket.name);
  private queue: Promise<void> = Promise.resolve();
  private readonly outbox: ViewerOutbox;

  constructor(
    private readonly socket: WebSocket,
    private readonly run: RunEntity,
    private readonly manager: WebSocketManager,
    private readonly starter: RunStarter,
    private readonly options: RunSocketOptions,
  ) {
    this.outbox = new ViewerOutbox(socket, {
      softLimitBytes: options.viewerSoftLimitBytes,
      hardLimitBytes: options.viewerHardLimitBytes,
      drainCheckMs: 20,
    });
    socket.once('close', () => this.outbox.dispose());
  }

  send(frame: RunFrame, json: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    batchWritesThisTurn(this.socket);
    this.outbox.push(frame, json);
  }

  end(code: 1000 | 1001 = 1000): void {
    flushWrites(this.socket);
    this.socket.close(code, code === 1000 ? 'Run finished' : 'Server shutdown');
  }

  sendJson(frame: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  /**
   * Queues a raw client frame; frames are handled strictly in arrival order, each in its frame
   * span (traceFrame). `handle` answers every failure with an `error` frame; should answering
   * itself fail, the socket is closed 1011.
   */
  receive(data: RawData, isBinary: boolean): void {
    this.queue = this.queue
      .then(() =>
        traceFrame(RUN_SOCKET_ROUTE, (span) => {
          span.runId(this.run.id);
          return this.handle(data, isBinary, span);
        }),
      )
      .catch((error: unknown) => {
        RunSocket.logger.error(runLine(this.run.id, `Socket failed: ${error instanceof Error ? error.stack : String(error)}`));
        if (this.socket.readyState === WebSocket.OPEN) this.socket.close(ERROR_TRANSPORT.internal.socketClose, 'Internal server error');
      });
  }

  private async handle(data: RawData, isBinary: boolean, span: FrameSpan): Promise<void> {
    let frame: ClientFrame;
    try {
      // No size check here: WS_MAX_FRAME_BYTES is the transport's limit (1009), set by the adapter.
      if (isBinary) throw new AppError('bad_request', 'Binary frames are not supported; send JSON text');
      frame = this.parse(rawText(data));
      span.type(frame.type);
      await this.dispatch(frame);
    } catch (error) {
      // Every refusal is an `error` frame and the socket stays open (protocol §1.4); only the
      // text depends on the kind: an internal failure is logged, not shown.
      const { kind, message } = describeError(error);
      span.fail(kind, kind === 'internal' ? undefined : message);
      if (kind !== 'internal') return this.sendJson(frames.error(message));
      RunSocket.logger.error(runLine(this.run.id, `Frame failed: ${error instanceof Error ? error.stack : String(error)}`));
      this.sendJson(frames.error('Internal error while handling the frame'));
    }
  }

  private parse(text: string): ClientFrame {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('bad_request', 'Invalid JSON frame');
    }
    // Before zod (which recurses) sees it: nesting within MAX_JSON_DEPTH, no NUL in any string.
    const problem = findJsonInputProblem(json, this.options.maxJsonDepth);
    if (problem)
      throw new AppError(
        'bad_request',
        problem.kind === 'nul' ? `Invalid frame: ${describeJsonInputProblem(problem, '(frame)')}` : describeJsonInputProblem(problem, 'Frame'),
      );
    const parsed = ClientFrameSchema.safeParse(json);
    if (!parsed.success) throw new AppError('bad_request', describeFrameError(parsed.error));
    return parsed.data;
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        return this.sendJson(frames.pong());
      case 'start':
        return this.starter.start(this.run, frame, this.options);
      case 'stop':
        return this.manager.stop(this.run.id, frame.reason ?? DEFAULT_STOP_REASON);
      case 'input_response':
        return this.manager.respond(this.run.id, frame.response, frame.request_id);
    }
  }
}
