/**
 * The human-input requests a run is waiting on, oldest first. Each resolves with the answer,
 * or rejects when the run is cancelled; an answer to nothing pending is refused.
 */
export interface PendingInput {
  requestId: string;
  source: string;
  prompt: string;
  timeoutAt: Date;
}

interface Waiter extends PendingInput {
  resolve: (answer: string) => void;
  reject: (error: Error) => void;
}

export class PendingInputs {
  private readonly waiting = new Map<string, Waiter>();

  /** Registers a request; the promise settles on `answer` or `cancelAll`. */
  wait(request: PendingInput): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(request.requestId, { ...request, resolve, reject });
    });
  }

  /** The request answered: the one named, else the oldest. Undefined when none matches. */
  find(requestId?: string): PendingInput | undefined {
    if (requestId !== undefined) return this.waiting.get(requestId);
    return this.waiting.values().next().value;
  }

  /** Delivers the answer; false when that request is not (or no longer) pending. */
  answer(requestId: string, response: string): boolean {
    const waiter = this.waiting.get(requestId);
    if (!waiter) return false;
    this.waiting.delete(requestId);
    waiter.resolve(response);
    return true;
  }

  /** Rejects one request (its wait was aborted). */
  cancel(requestId: string, error: Error): void {
    const waiter = this.waiting.get(requestId);
    if (!waiter) return;
    this.waiting.delete(requestId);
    waiter.reject(error);
  }

  cancelAll(reason: string): void {
    for (const waiter of [...this.waiting.values()]) this.cancel(waiter.requestId, new Error(reason));
  }

  list(): PendingInput[] {
    return [...this.waiting.values()].map(({ requestId, source, prompt, timeoutAt }) => ({ requestId, source, prompt, timeoutAt }));
  }
}
