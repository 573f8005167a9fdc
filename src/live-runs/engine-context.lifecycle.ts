import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { LoadContext } from '../engine/index.js';
import { ENGINE_CONTEXT } from './engine-context.provider.js';

/**
 * Closes what the engine context started: the Python sandbox's process pool. It runs after
 * every live run has ended (the registry drains them before shutdown), so no call is cut off.
 */
@Injectable()
export class EngineContextLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ENGINE_CONTEXT) private readonly engine: LoadContext) {}

  async onApplicationShutdown(): Promise<void> {
    await this.engine.python?.close();
  }
}
