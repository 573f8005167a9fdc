/**
 * Cluster mode's shared parts (README, Deployment). With CLUSTER=off this module provides nothing
 * and no Redis connection is opened; with CLUSTER=redis it provides the Redis connections that
 * the cross-instance run bus, run ownership and limits are built on.
 */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { RedisConnections } from './redis-connections.js';

@Global()
@Module({})
export class ClusterModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers = config.cluster.mode === 'redis' ? [RedisConnections] : [];
    return { module: ClusterModule, providers, exports: providers };
  }
}
