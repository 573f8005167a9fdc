import { z } from 'zod';
import { rowIdSchema } from '../common/params.js';
import { bodyUserId, rowFields, rowSchema } from '../common/row.js';
import type { SessionEntity } from './session.entity.js';

const name = z.string().trim().min(1).max(255);

export const createSessionSchema = z.object({
  user_id: bodyUserId,
  team_id: rowIdSchema,
  name,
});
export type CreateSession = z.infer<typeof createSessionSchema>;

/** `PUT /api/sessions/{id}`: the path names the row; an `id` in the body is ignored. */
export const updateSessionSchema = z.object({
  user_id: bodyUserId,
  team_id: rowIdSchema.optional(),
  name: name.optional(),
});
export type UpdateSession = z.infer<typeof updateSessionSchema>;

export const sessionSchema = rowSchema.extend({ name: z.string(), team_id: z.number().int() });
export type SessionDto = z.infer<typeof sessionSchema>;

export function toSessionDto(row: SessionEntity): SessionDto {
  return { ...rowFields(row), name: row.name, team_id: row.team_id };
}
