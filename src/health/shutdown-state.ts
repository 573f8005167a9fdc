import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this process has begun a graceful shutdown. Nest calls `onModuleDestroy` first of all
 * shutdown hooks, before the live-run registry drains (beforeApplicationShutdown) and before the
 * HTTP server closes, so /api/health/ready answers 503 for the whole drain and a load balancer
 * stops sending new work here while runs end.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  /** Marks the process as shutting down (idempotent). */
  begin(): void {
    this.draining = true;
  }

  onModuleDestroy(): void {
    this.begin();
  }
}
