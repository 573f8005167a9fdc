/**
 * AGS's component validation: does a config load (`validate`), and does a team actually run
 * (`test`: once, on a short task, bounded by a timeout, with no human to ask). A test run is a
 * run like any other: it takes a live-run slot and is driven by the run driver.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  driveTeam,
  InputUnavailableError,
  loadTeam,
  messageToText,
  validateComponent,
  type LoadContext,
  type RunOutcome,
  type ValidationResult,
} from '../engine/index.js';
import { ENGINE_CONTEXT } from '../live-runs/engine-context.provider.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { UserEngineContexts } from '../live-runs/user-engine-context.js';
import type { TestResult } from './validate.dto.js';

export const TEST_TASK = 'This is a test run. Reply briefly.';
const NO_HUMAN = 'The test run reached a human input request';

@Injectable()
export class ValidateService {
  constructor(
    @Inject(ENGINE_CONTEXT) private readonly engine: LoadContext,
    private readonly registry: LiveRunRegistry,
    private readonly contexts: UserEngineContexts,
  ) {}

  validate(component: unknown): ValidationResult {
    return validateComponent(component, this.engine);
  }

  /**
   * Runs a team once on TEST_TASK for at most `timeoutS` seconds, as `userId` (whose live-run
   * slots it uses: AppError too_many over a limit). Other component kinds are only loaded.
   */
  async test(component: unknown, timeoutS: number, userId: string): Promise<TestResult> {
    const validation = this.validate(component);
    if (!validation.is_valid) {
      return { status: false, message: `Invalid component: ${validation.errors.map((e) => `${e.field}: ${e.error}`).join('; ')}`, logs: [] };
    }
    // Valid, so component_type is one of ComponentModel's strings when present.
    const kind = (component as { component_type?: string }).component_type;
    if (kind !== undefined && kind !== 'team') {
      return { status: true, message: `The ${kind} component loads; only teams are test-run`, logs: [] };
    }
    const claim = this.registry.claim(`validate:${randomUUID()}`, userId);
    const timer = setTimeout(() => claim.stop(`Test run timed out after ${timeoutS} seconds`), timeoutS * 1000);
    return claim
      .run(async () => {
        const logs: string[] = [];
        for await (const event of driveTeam(async () => loadTeam(component, await this.contexts.forUser(userId)), TEST_TASK, {
          signal: claim.signal,
          limits: claim.limits,
        })) {
          if (event.type === 'outcome') return testResult(event.outcome, logs);
          if (event.message.type !== 'ModelClientStreamingChunkEvent')
            logs.push(`${event.message.source} (${event.message.type}): ${messageToText(event.message)}`);
        }
        throw new Error('unreachable: the run driver always ends with an outcome');
      })
      .finally(() => clearTimeout(timer));
  }
}

/** AGS's answer for a test run's outcome: a human request counts as a pass (there is nobody to answer). */
function testResult(outcome: RunOutcome, logs: string[]): TestResult {
  switch (outcome.status) {
    case 'complete':
      return {
        status: true,
        message: `Team ran: ${outcome.stopReason ?? 'finished'}`,
        data: { messages: outcome.messages, stop_reason: outcome.stopReason },
        logs,
      };
    case 'stopped':
      return { status: false, message: outcome.stopReason, logs };
    case 'error':
      if (outcome.error instanceof InputUnavailableError) return { status: true, message: NO_HUMAN, logs };
      return { status: false, message: outcome.stopReason, logs };
  }
}
