import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Caller } from '../auth/caller.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { JsonObject } from '../common/json.js';
import { restoreSecrets } from '../common/secrets.js';
import { type SecretsCipher, secretsCipherFor } from '../common/secrets-crypto.js';
import { DatabaseService } from '../database/database.service.js';
import { restoreEnvironment, settingsConfigSchema, type SettingsConfig } from './settings.dto.js';
import { SettingsEntity } from './settings.entity.js';
import { checkEndpointVariables } from './settings-environment.js';
import { egressOf, type LoadContext } from '../engine/index.js';
import { ENGINE_CONTEXT } from '../live-runs/engine-context.provider.js';

@Injectable()
export class SettingsService {
  /** SECRETS_KEY: environment values and secrets in the config are stored encrypted when it is set. */
  private readonly cipher: SecretsCipher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {
    this.cipher = secretsCipherFor(config.secrets);
  }

  /** The defaults a user's settings start from (AGS's, with the model that is configured). */
  defaults(): SettingsConfig {
    return {
      environment: [],
      ...(this.config.openai.apiKey
        ? {
            default_model_client: {
              provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
              component_type: 'model',
              version: 1,
              component_version: 1,
              description: 'OpenAI GPT-4o-mini',
              label: 'OpenAIChatCompletionClient',
              config: { model: 'gpt-4o-mini' },
            },
          }
        : {}),
      ui: { show_llm_call_events: false, expanded_messages_by_default: true, show_agent_flow_by_default: true, human_input_timeout_minutes: 3 },
    };
  }

  /**
   * The caller's own settings row, created with the defaults on first read (once, even if raced).
   * Settings are per user even for an admin: they configure the caller's own playground.
   */
  async get(caller: Caller): Promise<SettingsEntity> {
    const userId = caller.userId;
    const existing = await this.dataSource.manager.findOneBy(SettingsEntity, { user_id: userId });
    if (existing) return this.opened(existing);
    await this.db.transaction(async (em) => {
      await this.db.lockKey(em, `settings:${userId}`);
      if (await em.existsBy(SettingsEntity, { user_id: userId })) return;
      await em.insert(SettingsEntity, { user_id: userId, config: this.defaults() });
    });
    return this.opened(await this.dataSource.manager.findOneByOrFail(SettingsEntity, { user_id: userId }));
  }

  /**
   * What a run of `userId`'s takes from their settings, in one read: `environment`, their
   * `settings.config.environment` as a name → value map (AGS applies it to the process
   * environment; we build the run's own credentials from it; variables with a non-string or empty
   * value are left out), and `showLlmCallEvents`, their `ui.show_llm_call_events` (AGS: each model
   * call is then shown as an LLMCallEventMessage). No row, or one that does not parse: AGS's
   * defaults (empty, off). Never creates the row.
   * @throws SecretsKeyError when a stored value cannot be decrypted with SECRETS_KEY
   */
  async runSettingsOf(userId: string): Promise<{ environment: Record<string, string>; showLlmCallEvents: boolean }> {
    const row = await this.dataSource.manager.findOneBy(SettingsEntity, { user_id: userId });
    const parsed = settingsConfigSchema.safeParse(row?.config ?? {});
    const environment: Record<string, string> = {};
    if (!parsed.success) return { environment, showLlmCallEvents: false };
    for (const variable of parsed.data.environment) {
      if (typeof variable.value === 'string' && variable.value !== '') environment[variable.name] = this.cipher.decrypt(variable.value);
    }
    return { environment, showLlmCallEvents: parsed.data.ui?.show_llm_call_events === true };
  }

  /**
   * The server's egress policy (EGRESS_ALLOW, the operator's trusted endpoints), the one runs use.
   * Looked up when needed: the live-runs module that provides it depends on this one.
   */
  private egress() {
    return egressOf(this.moduleRef.get<LoadContext>(ENGINE_CONTEXT, { strict: false })).egress;
  }

  /** `row` with its stored secrets decrypted (rows from before SECRETS_KEY read as they are). */
  private opened(row: SettingsEntity): SettingsEntity {
    row.config = this.cipher.openSecrets(row.config);
    return row;
  }

  /** `config` as stored: every environment value and every secret (api_key, ...) encrypted when SECRETS_KEY is set. */
  private sealed(config: SettingsConfig): JsonObject {
    const environment = config.environment.map((v) =>
      typeof v.value === 'string' && v.value !== '' ? { ...v, value: this.cipher.encrypt(v.value) } : v,
    );
    return this.cipher.sealSecrets({ ...config, environment } as JsonObject);
  }

  /**
   * Replaces the caller's settings config; a secret or environment value sent back as the marker
   * keeps its stored value, unless it is a credential key whose endpoint variable changed (then it
   * is dropped). Returns the saved row.
   * @throws AppError bad_request when an endpoint variable (OPENAI_BASE_URL, …) is not an http(s)
   *   URL or the egress policy refuses it outright, naming `config.environment[<i>].value`
   */
  async put(caller: Caller, config: SettingsConfig): Promise<SettingsEntity> {
    // The values as sent (indices as the client wrote them); one sent back as the marker was checked when saved.
    checkEndpointVariables(config.environment, this.egress());
    const stored = await this.get(caller);
    const saved = restoreSecrets(restoreEnvironment(config, stored.config), stored.config);
    await this.db.transaction((em) => em.update(SettingsEntity, { user_id: caller.userId }, { config: this.sealed(saved) }));
    return this.get(caller);
  }
}
