/**
 * The Redis connections of cluster mode (CLUSTER=redis), through ioredis. One connection carries
 * the ordinary commands of the whole process; a subscriber or a blocking reader needs a
 * connection of its own (Redis refuses other commands on a connection in subscribe mode, and a
 * blocking read holds its connection), so `dedicated` opens one per such use. All are closed
 * when the application shuts down, after the run drain (Nest calls onApplicationShutdown last).
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '../common/secrets.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** How long a readiness check waits for Redis's PONG (ms). */
export const REDIS_PING_TIMEOUT_MS = 2_000;

@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  /** The shared connection for ordinary commands. */
  readonly commands: Redis;
  /** REDIS_KEY_PREFIX: every key and channel name starts with it (see `key`). */
  readonly prefix: string;
  /** This instance's name among its peers (INSTANCE_ID). */
  readonly instanceId: string;
  private readonly url: string;
  private readonly all = new Set<Redis>();

  /** Throws when cluster mode is off: nothing should ask for Redis then. */
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.cluster.mode !== 'redis') throw new Error('RedisConnections exists only in cluster mode (CLUSTER=redis)');
    this.url = config.cluster.redisUrl;
    this.prefix = config.cluster.keyPrefix;
    this.instanceId = config.cluster.instanceId;
    this.commands = this.open('commands');
  }

  /** `<REDIS_KEY_PREFIX><parts joined by ':'>`, e.g. key('run', 7, 'frames') → `teamstream:run:7:frames`. */
  key(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * A new connection for one subscriber or blocking reader (`name` shows in CLIENT LIST); closed
   * at shutdown. `options` adds ioredis options (e.g. `blockingTimeout` for a blocking reader).
   */
  dedicated(name: string, options: RedisOptions = {}): Redis {
    return this.open(name, options);
  }

  /** `ok`, or why Redis does not answer within REDIS_PING_TIMEOUT_MS (the readiness check's words). */
  async ping(): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${REDIS_PING_TIMEOUT_MS} ms`), REDIS_PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.commands.ping().then(() => 'ok'), timeout]);
    } catch (error) {
      // ioredis's own words when the connection is down ("Reached the max retries per request
      // limit…") say nothing to an operator: the state of the connection and the URL do.
      const why = this.commands.status === 'ready' ? (error as Error).message : `connection ${this.commands.status}`;
      return `unreachable: REDIS_URL ${redactUrl(this.url)} (${why})`;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.all].map((connection) => connection.quit().catch(() => connection.disconnect())));
    this.all.clear();
  }

  private open(name: string, options: RedisOptions = {}): Redis {
    const connection = new Redis(this.url, {
      ...options,
      connectionName: `${this.prefix}${this.instanceId}:${name}`,
      // A command fails after a few reconnection attempts instead of waiting in the offline queue
      // for ever: a caller (a run, a viewer) then reports a clear error rather than hanging.
      maxRetriesPerRequest: 3,
    });
    // ioredis reconnects by itself; without a listener an `error` event would crash the process.
    connection.on('error', (error: Error) => this.logger.warn(`Redis (${name}): ${error.message}`));
    this.all.add(connection);
    return connection;
  }
}
