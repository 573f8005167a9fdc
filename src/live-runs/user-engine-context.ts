/**
 * The engine context one user's run loads its team with: the server's (tools, egress policy,
 * pinned MCP servers, Python sandbox) with that user's own credentials from their AGS settings
 * environment (`settings.config.environment`, e.g. OPENAI_API_KEY) in place of the server's of
 * the same kind (credentialsForUser). AGS writes those variables into its process environment
 * for each run, which races between users; here each run gets its own credentials object and
 * `process.env` is never touched. The egress policy stays the server's: a user's endpoint is
 * not trusted the way the operator's are, so it must be public or allowed by EGRESS_ALLOW.
 * Every context it gives carries the run metrics' engine observer, so model and tool calls are
 * counted whichever front end runs the team.
 */
import { Inject, Injectable } from '@nestjs/common';
import { RUN_METRICS, type RunMetrics } from '../observability/run-metrics.js';
import { ConfigError, CREDENTIAL_KINDS, credentialsForUser, egressOf, type LoadContext } from '../engine/index.js';
import { endpointRefusal } from '../settings/settings-environment.js';
import { SettingsService } from '../settings/settings.service.js';
import { ENGINE_CONTEXT } from './engine-context.provider.js';

@Injectable()
export class UserEngineContexts {
  constructor(
    @Inject(ENGINE_CONTEXT) private readonly engine: LoadContext,
    private readonly settings: SettingsService,
    @Inject(RUN_METRICS) private readonly metrics: RunMetrics,
  ) {}

  /**
   * The context for a run of `userId`'s, read fresh from their settings (a change applies to the
   * next run): the server's, with the user's credentials when their variables name some, and the
   * run metrics as its engine observer.
   * With `llmCallEvents`, the user's `ui.show_llm_call_events` decides whether model calls are
   * logged as LLMCallEventMessages (the run socket, whose viewers are AGS's front-end).
   * @throws SecretsKeyError when a stored value cannot be decrypted with SECRETS_KEY
   * @throws ConfigError naming the setting when one of the user's endpoint variables
   *   (OPENAI_BASE_URL, …) is refused by the egress policy (saved before EGRESS_ALLOW changed, or
   *   before settings were checked on save), instead of an error at a config field they never wrote
   */
  async forUser(userId: string, options: { llmCallEvents?: boolean } = {}): Promise<LoadContext> {
    const { environment, showLlmCallEvents } = await this.settings.runSettingsOf(userId);
    const context: LoadContext = { ...this.withEnvironment(environment), observer: this.metrics };
    return options.llmCallEvents && showLlmCallEvents ? { ...context, llmCallEvents: true } : context;
  }

  private withEnvironment(environment: Record<string, string>): LoadContext {
    if (Object.keys(environment).length === 0) return this.engine;
    const { egress } = egressOf(this.engine);
    for (const { endpointVariable } of CREDENTIAL_KINDS) {
      const url = environment[endpointVariable];
      const refusal = url === undefined ? undefined : endpointRefusal(url, egress);
      if (refusal) throw new ConfigError('', `Your settings' environment variable ${endpointVariable} ${refusal}; change it in Settings`);
    }
    return { ...this.engine, credentials: credentialsForUser(this.engine.credentials ?? {}, environment) };
  }
}
