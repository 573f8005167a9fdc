import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisConnections } from '../cluster/redis-connections.js';
import { ShutdownState } from './shutdown-state.js';

/** How long the database gets to answer `SELECT 1` before the service counts as not ready (ms). */
export const READY_DB_TIMEOUT_MS = 2_000;

/** One readiness check's outcome: the text `ok`, or why not. */
export type CheckResult = string;

export interface Readiness {
  ready: boolean;
  /** `redis` only in cluster mode (CLUSTER=redis). */
  checks: { database: CheckResult; shutdown: CheckResult; redis?: CheckResult };
}

/**
 * Whether this process should be sent new work: the database answers within
 * READY_DB_TIMEOUT_MS, in cluster mode Redis answers within REDIS_PING_TIMEOUT_MS, and no
 * graceful shutdown has begun.
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
    @Optional() private readonly redis?: RedisConnections,
  ) {}

  async check(): Promise<Readiness> {
    const shutdown: CheckResult = this.shutdown.shuttingDown ? 'shutting down' : 'ok';
    const [database, redis] = await Promise.all([this.database(), this.redis?.ping()]);
    const checks = redis === undefined ? { database, shutdown } : { database, shutdown, redis };
    return { ready: Object.values(checks).every((result) => result === 'ok'), checks };
  }

  private async database(): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${READY_DB_TIMEOUT_MS} ms`), READY_DB_TIMEOUT_MS);
    });
    try {
      if (!this.dataSource.isInitialized) return 'not connected';
      return await Promise.race([this.dataSource.query('SELECT 1').then((): CheckResult => 'ok'), timeout]);
    } catch (error) {
      return `unreachable: ${(error as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
