import { z } from 'zod';
import { rowIdSchema } from '../common/params.js';
import { componentSchema } from '../common/component.js';
import { openObject } from '../common/json.js';
import { bodyUserId, rowFields, rowSchema } from '../common/row.js';
import { redactSecrets, SECRET_MARKER } from '../common/secrets.js';
import type { SettingsEntity } from './settings.entity.js';
import { restoreVariables } from './settings-environment.js';

export const uiSettingsSchema = openObject({
  show_llm_call_events: z.boolean().default(false),
  expanded_messages_by_default: z.boolean().optional(),
  show_agent_flow_by_default: z.boolean().optional(),
  human_input_timeout_minutes: z.number().positive().default(3),
});

export const settingsConfigSchema = openObject({
  environment: z.array(openObject({ name: z.string() })).default([]),
  default_model_client: componentSchema.nullish(),
  ui: uiSettingsSchema.default({ show_llm_call_events: false, human_input_timeout_minutes: 3 }),
});
export type SettingsConfig = z.infer<typeof settingsConfigSchema>;

/** `PUT /api/settings/`: the whole row as the front-end holds it; only `config` is taken. */
export const putSettingsSchema = openObject({ user_id: bodyUserId, id: rowIdSchema.optional(), config: settingsConfigSchema });
export type PutSettings = z.infer<typeof putSettingsSchema>;

export const settingsSchema = rowSchema.extend({ config: settingsConfigSchema });
export type SettingsDto = z.infer<typeof settingsSchema>;

/**
 * The row as it leaves the service: secrets inside the JSON read as the redaction marker, and so
 * does the value of every `environment` variable (AGS keeps API keys there, under any name).
 */
export function toSettingsDto(row: SettingsEntity): SettingsDto {
  const config = redactSecrets(settingsConfigSchema.parse(row.config));
  return { ...rowFields(row), config: { ...config, environment: config.environment.map(redactVariable) } };
}

type EnvironmentVariable = SettingsConfig['environment'][number];

function redactVariable(variable: EnvironmentVariable): EnvironmentVariable {
  return typeof variable.value === 'string' && variable.value !== '' ? { ...variable, value: SECRET_MARKER } : variable;
}

/**
 * `incoming`'s environment with each variable whose value is the marker given back its stored
 * value, matched by name (the front-end sends back what it read), except a credential key whose
 * endpoint variable changed, which is dropped (see restoreVariables). A marker with no stored
 * variable of that name behind it (a renamed variable) is refused: AppError bad_request naming it.
 */
export function restoreEnvironment(incoming: SettingsConfig, stored: unknown): SettingsConfig {
  const before = settingsConfigSchema.safeParse(stored);
  return { ...incoming, environment: restoreVariables(incoming.environment, before.success ? before.data.environment : []) };
}
