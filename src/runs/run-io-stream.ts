/**
 * The IOStream a run's UserProxyAgents talk to: `input()` becomes an `input_request` frame for
 * every viewer and waits for the matching `input_response` (socket or REST). The run driver
 * owns the timeout (it aborts the run's signal when `timeoutAt` passes); this only asks and waits.
 */
import { randomUUID } from 'node:crypto';
import { cancelledFrom, type InputOptions, type IOStream } from '../engine/index.js';
import type { RunMetrics } from '../observability/run-metrics.js';
import type { LiveRun } from './live-run.js';
import { frames } from './ws-frames.js';

export class RunIOStream implements IOStream {
  constructor(
    private readonly live: LiveRun,
    private readonly metrics?: RunMetrics,
  ) {}

  /** Text output has no frame in the protocol; the run's messages already carry everything. */
  print(): void {}

  send(): void {}

  async input(prompt: string, options: InputOptions = {}): Promise<string> {
    const signal = options.signal ?? this.live.signal;
    if (signal.aborted) throw cancelledFrom(signal);
    const request = {
      requestId: options.requestId ?? randomUUID(),
      source: options.source ?? 'user_proxy',
      prompt,
      // Without a driver timeout the request never expires; the frame still needs a time.
      timeoutAt: options.timeoutAt ?? new Date(8_640_000_000_000_000),
    };
    const answer = this.live.inputs.wait(request);
    const onAbort = () => this.live.inputs.cancel(request.requestId, cancelledFrom(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.live.emit(
        frames.inputRequest({
          request_id: request.requestId,
          source: request.source,
          prompt,
          timeout_at: request.timeoutAt.toISOString(),
        }),
      );
      this.metrics?.frameEmitted('input_request');
      return await answer;
    } finally {
      signal.removeEventListener('abort', onAbort);
      // If the emit failed, the request must not stay answerable.
      this.live.inputs.cancel(request.requestId, new Error('Input request withdrawn'));
      answer.catch(() => undefined);
    }
  }
}
