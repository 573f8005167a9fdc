/**
 * AGS's component validation: does a config load (`validate`), and does a team actually run
 * (`test`: once, on a short task, bounded by a timeout, with no human to ask).
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  CancelledError,
  isTaskResult,
  loadTeam,
  messageToText,
  validateComponent,
  type IOStream,
  type LoadContext,
  type ValidationResult,
} from '../engine/index.js';
import { ENGINE_CONTEXT } from '../runs/engine-context.provider.js';
import type { TestResult } from './validate.dto.js';

export const TEST_TASK = 'This is a test run. Reply briefly.';
const NO_HUMAN = 'The test run reached a human input request';

/** A test run has no human: the first input request ends it. */
const noHumanIO: IOStream = {
  print: () => undefined,
  send: () => undefined,
  input: () => Promise.reject(new CancelledError(NO_HUMAN)),
};

@Injectable()
export class ValidateService {
  constructor(@Inject(ENGINE_CONTEXT) private readonly engine: LoadContext) {}

  validate(component: unknown): ValidationResult {
    return validateComponent(component, this.engine);
  }

  async test(component: unknown, timeoutS: number): Promise<TestResult> {
    const validation = this.validate(component);
    if (!validation.is_valid) {
      return { status: false, message: `Invalid component: ${validation.errors.map((e) => `${e.field}: ${e.error}`).join('; ')}`, logs: [] };
    }
    const kind = (component as { component_type?: unknown }).component_type;
    if (kind !== undefined && kind !== 'team') {
      return { status: true, message: `The ${String(kind)} component loads; only teams are test-run`, logs: [] };
    }
    const logs: string[] = [];
    const signal = AbortSignal.timeout(timeoutS * 1000);
    const team = loadTeam(component, this.engine);
    try {
      for await (const item of team.runStream(TEST_TASK, { signal, io: noHumanIO })) {
        if (isTaskResult(item)) return { status: true, message: `Team ran: ${item.stop_reason ?? 'finished'}`, data: item, logs };
        if (item.type !== 'ModelClientStreamingChunkEvent') logs.push(`${item.source} (${item.type}): ${messageToText(item)}`);
      }
      return { status: false, message: 'The team stopped without a result', logs };
    } catch (error) {
      if (error instanceof CancelledError && error.reason === NO_HUMAN) return { status: true, message: NO_HUMAN, logs };
      if (signal.aborted) return { status: false, message: `Test run timed out after ${timeoutS} seconds`, logs };
      return { status: false, message: error instanceof Error ? error.message : String(error), logs };
    } finally {
      await team.close();
    }
  }
}
