import { z } from 'zod';
import { rowIdSchema } from '../common/params.js';
import { componentSchema } from '../common/component.js';
import { bodyUserId, rowFields, rowSchema } from '../common/row.js';
import { redactSecrets } from '../common/secrets.js';
import type { TeamEntity } from './team.entity.js';

/** `POST /api/teams/`: create, or update the caller's team `id` when given. */
export const upsertTeamSchema = z.object({
  user_id: bodyUserId,
  id: rowIdSchema.optional(),
  component: componentSchema,
});
export type UpsertTeam = z.infer<typeof upsertTeamSchema>;

export const teamSchema = rowSchema.extend({ component: componentSchema });
export type TeamDto = z.infer<typeof teamSchema>;

/** The row as it leaves the service: secrets inside the JSON read as the redaction marker. */
export function toTeamDto(row: TeamEntity): TeamDto {
  return { ...rowFields(row), component: redactSecrets(componentSchema.parse(row.component)) };
}
