import { z } from 'zod';
import { jsonObjectSchema } from '../common/json.js';
import { rowIdSchema } from '../common/params.js';
import { bodyUserId, rowFields, rowSchema } from '../common/row.js';
import type { MessageEntity } from './message.entity.js';
import { RUN_STATUSES, type RunEntity } from './run.entity.js';

export const createRunSchema = z.object({ user_id: bodyUserId, session_id: rowIdSchema });
export type CreateRun = z.infer<typeof createRunSchema>;

export const createdRunSchema = z.object({ run_id: z.number().int() });

export const messageSchema = rowSchema.extend({
  session_id: z.number().int(),
  run_id: z.number().int().nullable(),
  config: jsonObjectSchema,
  message_meta: jsonObjectSchema,
});
export type MessageDto = z.infer<typeof messageSchema>;

const runTaskSchema = z.object({ source: z.literal('user'), content: z.array(jsonObjectSchema), message_type: z.literal('text') });
export type RunTaskDto = z.infer<typeof runTaskSchema>;

export const runSchema = rowSchema.extend({
  session_id: z.number().int(),
  status: z.enum(RUN_STATUSES),
  /** AGS's MessageConfig of the task (protocol §1.8): the task's message dumps under `content`. */
  task: runTaskSchema.nullable(),
  team_result: jsonObjectSchema.nullable(),
  error_message: z.string().nullable(),
  stop_reason: z.string().nullable(),
});
export type RunDto = z.infer<typeof runSchema>;

export const runWithMessagesSchema = runSchema.extend({ messages: z.array(messageSchema) });
export const sessionRunsSchema = z.object({ runs: z.array(runWithMessagesSchema) });
export type SessionRunsDto = z.infer<typeof sessionRunsSchema>;

export function toMessageDto(row: MessageEntity): MessageDto {
  return { ...rowFields(row), session_id: row.session_id, run_id: row.run_id, config: row.config, message_meta: row.message_meta ?? {} };
}

export function toRunDto(row: RunEntity): RunDto {
  return {
    ...rowFields(row),
    session_id: row.session_id,
    status: row.status,
    task: row.task === null ? null : { source: 'user', content: row.task, message_type: 'text' },
    team_result: row.team_result,
    error_message: row.error_message,
    stop_reason: row.stop_reason,
  };
}
