import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ShutdownState } from './shutdown-state.js';

/** How long the database gets to answer `SELECT 1` before the service counts as not ready (ms). */
export const READY_DB_TIMEOUT_MS = 2_000;

/** One readiness check's outcome: the text `ok`, or why not. */
export type CheckResult = string;

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; shutdown: CheckResult };
}

/**
 * Whether this process should be sent new work: the database answers within
 * READY_DB_TIMEOUT_MS and no graceful shutdown has begun. (Redis is not checked: the run bus is
 * in-process; there is no cluster mode to depend on yet.)
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
  ) {}

  async check(): Promise<Readiness> {
    const shutdown: CheckResult = this.shutdown.shuttingDown ? 'shutting down' : 'ok';
    const database = await this.database();
    return { ready: shutdown === 'ok' && database === 'ok', checks: { database, shutdown } };
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
