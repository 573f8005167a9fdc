/**
 * AGS's component validation: does a config load (`validate`), and does a team actually run
 * (`test`: once, on a short task, bounded by a timeout, with no human to ask). A test run is a
 * run like any other: it takes a live-run slot and is driven by the run driver.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  InputUnavailableError,
  loadComponent,
  loadTeam,
  messageToText,
  validateComponent,
  type ChatCompletionClient,
  type LoadContext,
  type RunOutcome,
  type ValidationResult,
} from '../engine/index.js';
import { ENGINE_CONTEXT } from '../live-runs/engine-context.provider.js';
import { LiveRunRegistry, type LiveRunClaim } from '../live-runs/live-run-registry.js';
import { UserEngineContexts } from '../live-runs/user-engine-context.js';
import { ObservedRuns } from '../observability/observed-runs.js';
import type { TestResult } from './validate.dto.js';

export const TEST_TASK = 'This is a test run. Reply briefly.';
const NO_HUMAN = 'The test run reached a human input request';
/** AGS's prompt for a model test (ComponentTestService.test_model). */
export const MODEL_TEST_PROMPT = 'what is 2+2. Give me only the answer';
/** Turns an agent's test run into: that agent alone, one reply to the task (two messages), as AGS's test_agent asks once. */
const AGENT_TEST_MESSAGES = 2;

@Injectable()
export class ValidateService {
  constructor(
    @Inject(ENGINE_CONTEXT) private readonly engine: LoadContext,
    private readonly registry: LiveRunRegistry,
    private readonly contexts: UserEngineContexts,
    private readonly runs: ObservedRuns,
  ) {}

  validate(component: unknown): ValidationResult {
    return validateComponent(component, this.engine);
  }

  /**
   * Runs a team once on TEST_TASK for at most `timeoutS` seconds, as `userId` (whose live-run
   * slots it uses: AppError too_many over a limit). A model makes one short real call (as AGS
   * does), an agent answers the task once alone; tools, terminations, workbenches and contexts
   * are only loaded and answered `status: false`, saying they are not test-run.
   */
  async test(component: unknown, timeoutS: number, userId: string): Promise<TestResult> {
    const validation = this.validate(component);
    if (!validation.is_valid) {
      return { status: false, message: `Invalid component: ${validation.errors.map((e) => `${e.field}: ${e.error}`).join('; ')}`, logs: [] };
    }
    // Valid, so component_type is one of ComponentModel's strings when present.
    const kind = (component as { component_type?: string }).component_type;
    if (kind === 'model') return this.testModel(component, timeoutS, userId);
    if (kind === 'agent') return this.testTeam(soloTeam(component), timeoutS, userId);
    if (kind !== undefined && kind !== 'team') {
      // AGS answers "not yet implemented" with status true for tools and terminations, which its UI
      // shows as "Component test passed!": we say plainly that nothing was tried.
      return { status: false, message: `The ${kind} component loads, but ${kind} components are not test-run; test the team that uses it`, logs: [] };
    }
    return this.testTeam(component, timeoutS, userId);
  }

  /**
   * One short real call to the model, as AGS's ComponentTestService.test_model does (its prompt),
   * aborted after `timeoutS` seconds. Like a team test it is a run of `userId`'s: it takes one of
   * their live-run slots (AppError too_many over a limit) and loads the model with their settings
   * environment (UserEngineContexts.forUser). The provider's error is the message, with `status: false`.
   */
  private async testModel(component: unknown, timeoutS: number, userId: string): Promise<TestResult> {
    const timeoutMessage = `Component test exceeded the ${timeoutS}s timeout`;
    return this.asTestRun(userId, timeoutS, timeoutMessage, async (claim) => {
      const logs: string[] = [];
      let client: ChatCompletionClient | undefined;
      try {
        client = loadComponent(component, await this.contexts.forUser(userId), 'model');
        logs.push('Model component loaded successfully');
        const result = await client.create([{ type: 'UserMessage', content: MODEL_TEST_PROMPT, source: 'user' }], { signal: claim.signal });
        const content = typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
        logs.push(`Model responded with: ${content}`);
        return { status: true, message: 'Model test completed successfully', data: result, logs } satisfies TestResult;
      } catch (error) {
        const message = claim.signal.aborted
          ? String(claim.signal.reason ?? timeoutMessage)
          : `Error testing model component: ${error instanceof Error ? error.message : String(error)}`;
        return { status: false, message, logs: [...logs, message] } satisfies TestResult;
      } finally {
        await client?.close().catch(() => undefined);
      }
    });
  }

  /** Runs a team once on TEST_TASK (see {@link test}). */
  private async testTeam(component: unknown, timeoutS: number, userId: string): Promise<TestResult> {
    return this.asTestRun(userId, timeoutS, `Test run timed out after ${timeoutS} seconds`, async (claim) => {
      const logs: string[] = [];
      const load = async () => loadTeam(component, await this.contexts.forUser(userId));
      const label = (component as { label?: unknown }).label;
      const telemetry = typeof label === 'string' && label !== '' ? { teamLabel: label } : {};
      for await (const event of this.runs.drive(claim, 'validate', load, TEST_TASK, { telemetry })) {
        if (event.type === 'outcome') return testResult(event.outcome, logs);
        if (event.message.type !== 'ModelClientStreamingChunkEvent')
          logs.push(`${event.message.source} (${event.message.type}): ${messageToText(event.message)}`);
      }
      throw new Error('unreachable: the run driver always ends with an outcome');
    });
  }

  /**
   * `body` as a run of `userId`'s: it holds one of their live-run slots (AppError too_many over a
   * limit) and is stopped with `timeoutMessage` after `timeoutS` seconds.
   */
  private async asTestRun(
    userId: string,
    timeoutS: number,
    timeoutMessage: string,
    body: (claim: LiveRunClaim) => Promise<TestResult>,
  ): Promise<TestResult> {
    const claim = await this.registry.claim(`validate:${randomUUID()}`, userId);
    const timer = setTimeout(() => claim.stop(timeoutMessage), timeoutS * 1000);
    return claim.run(() => body(claim)).finally(() => clearTimeout(timer));
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

/** A RoundRobinGroupChat of the agent alone that ends after its first reply. */
function soloTeam(agent: unknown): Record<string, unknown> {
  return {
    provider: 'autogen_agentchat.teams.RoundRobinGroupChat',
    component_type: 'team',
    config: {
      participants: [agent],
      termination_condition: {
        provider: 'autogen_agentchat.conditions.MaxMessageTermination',
        component_type: 'termination',
        config: { max_messages: AGENT_TEST_MESSAGES },
      },
    },
  };
}
