/**
 * Run admission across the cluster (CLUSTER=redis): a run's registry key is held in Redis by
 * exactly one instance, and a user's live runs on every instance count against
 * MAX_LIVE_RUNS_PER_USER. Each hold is a lease of RUN_LEASE_S that this instance renews while the
 * run lives (one timer for all its holds) and deletes, by its owner token, when the run ends; an
 * instance that dies stops renewing, so its holds lapse within RUN_LEASE_S. The decisions are the
 * Lua scripts of admission-scripts.ts. MAX_LIVE_RUNS stays a limit of each instance (the registry's).
 */
import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../common/errors.js';
import type { AdmissionHold, AdmissionRequest, RunAdmission } from '../live-runs/run-admission.js';
import { ADMIT, RELEASE, RENEW } from './admission-scripts.js';

/** How long an admission or a release waits for Redis before giving up (ms). */
export const ADMISSION_TIMEOUT_MS = 2_000;

/** Holds renewed per script call: keeps one call's key list small. */
const RENEW_BATCH = 200;

export interface RedisAdmissionOptions {
  /** The shared connection for ordinary commands (RedisConnections.commands). */
  redis: Redis;
  /** Builds a key under REDIS_KEY_PREFIX (RedisConnections.key). */
  key: (...parts: string[]) => string;
  /** This instance's name among its peers (INSTANCE_ID). */
  instanceId: string;
  /** RUN_LEASE_S in ms: how long a hold lasts unless renewed. */
  leaseMs: number;
  /** How long one admission or release waits for Redis (ms; default ADMISSION_TIMEOUT_MS). */
  timeoutMs?: number;
}

interface Holding {
  holder: string;
  users: string;
  token: string;
  member: string;
  key: string;
}

type Scripts = Redis & {
  teamstreamAdmit(
    holder: string,
    users: string,
    token: string,
    member: string,
    leaseMs: number,
    limit: number,
    mine: string,
  ): Promise<[number, string?, number?]>;
  teamstreamRelease(holder: string, users: string, token: string, member: string): Promise<number>;
  teamstreamRenew(...keysThenArgs: (string | number)[]): Promise<number[]>;
};

/** The refusal when Redis does not answer: the run is not started (nothing is held). */
export function coordinationUnavailable(reason: string): AppError {
  return new AppError('unavailable', `Cluster coordination (Redis) is unavailable (${reason}); the run was not started, try again shortly`);
}

export class RedisAdmission implements RunAdmission, OnApplicationShutdown {
  private readonly logger = new Logger(RedisAdmission.name);
  private readonly redis: Scripts;
  private readonly holdings = new Map<string, Holding>();
  private readonly mine: string;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(private readonly options: RedisAdmissionOptions) {
    this.mine = `${options.instanceId}#`;
    this.timeoutMs = options.timeoutMs ?? ADMISSION_TIMEOUT_MS;
    const redis = options.redis as Scripts;
    // defineCommand loads each script once (EVALSHA, EVAL on NOSCRIPT); defining it again is harmless.
    redis.defineCommand('teamstreamAdmit', { numberOfKeys: 2, lua: ADMIT });
    redis.defineCommand('teamstreamRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('teamstreamRenew', { lua: RENEW });
    this.redis = redis;
  }

  /** Holds in Redis now, in this instance (for specs and metrics). */
  get size(): number {
    return this.holdings.size;
  }

  async admit({ key, userId, maxLiveRunsPerUser, conflictMessage }: AdmissionRequest): Promise<AdmissionHold> {
    const holding: Holding = {
      key,
      holder: this.options.key('live-run', key),
      users: this.options.key('user-live-runs', userId),
      token: this.mine + randomUUID(),
      member: this.mine + key,
    };
    // A connection that is reconnecting would queue the command: refuse at once instead.
    if (!['ready', 'connect', 'connecting'].includes(this.redis.status)) throw coordinationUnavailable(`connection ${this.redis.status}`);
    const answer = this.redis.teamstreamAdmit(
      holding.holder,
      holding.users,
      holding.token,
      holding.member,
      this.options.leaseMs,
      maxLiveRunsPerUser,
      this.mine,
    );
    let result: [number, string?, number?];
    try {
      result = await this.bounded(answer, 'admission');
    } catch (error) {
      // An admission that answers after we gave up must not hold the key until its lease lapses.
      void answer.then(([admitted]) => (admitted === 1 ? this.releaseInRedis(holding) : 0)).catch(() => undefined);
      throw coordinationUnavailable((error as Error).message);
    }
    const [admitted, refusal, live] = result;
    if (admitted !== 1) {
      if (refusal === 'conflict') throw new AppError('conflict', conflictMessage);
      throw new AppError(
        'too_many',
        `You already have ${live ?? maxLiveRunsPerUser} live runs across the cluster, the limit per user (MAX_LIVE_RUNS_PER_USER); stop one or wait for it to end`,
      );
    }
    this.holdings.set(holding.token, holding);
    this.scheduleRenewal();
    let released: Promise<void> | undefined;
    return {
      release: () => (released ??= this.release(holding)),
    };
  }

  /** Stops renewing (the holds then lapse within RUN_LEASE_S); for shutdown and specs. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.holdings.clear();
  }

  /** After the run drain (which released every hold it could): no renewal outlives the connection. */
  onApplicationShutdown(): void {
    this.close();
  }

  private async release(holding: Holding): Promise<void> {
    this.holdings.delete(holding.token);
    if (this.holdings.size === 0) this.close();
    try {
      await this.bounded(this.releaseInRedis(holding), 'release');
    } catch (error) {
      this.logger.warn(`Releasing ${holding.key} in Redis: ${(error as Error).message}; it lapses within the lease`);
    }
  }

  private releaseInRedis(holding: Holding): Promise<number> {
    return this.redis.teamstreamRelease(holding.holder, holding.users, holding.token, holding.member);
  }

  /** One timer for every hold of this instance, running while there is one, at a third of the lease. */
  private scheduleRenewal(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const holdings = [...this.holdings.values()];
      for (let i = 0; i < holdings.length; i += RENEW_BATCH) {
        const batch = holdings.slice(i, i + RENEW_BATCH);
        const keys = batch.flatMap((h) => [h.holder, h.users]);
        const args = batch.flatMap((h) => [h.token, h.member]);
        const renewed = await this.bounded(this.redis.teamstreamRenew(keys.length, ...keys, this.options.leaseMs, ...args), 'renewal');
        renewed.forEach((ok, n) => {
          if (ok === 1 || !this.holdings.has(batch[n].token)) return;
          // Our lease lapsed (Redis out of reach longer than RUN_LEASE_S) and another instance took the key.
          this.logger.error(`Lost the cluster hold of ${batch[n].key} to another instance after its lease lapsed`);
          this.holdings.delete(batch[n].token);
        });
      }
    } catch (error) {
      this.logger.warn(`Renewing live-run holds in Redis: ${(error as Error).message}; retrying`);
    } finally {
      this.renewing = false;
    }
  }

  private bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to the ${what} within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
