import { z } from 'zod';
import type { OwnedRow } from '../database/owned-row.js';
import { iso } from './iso.js';

/** The fields every row has on the wire (protocol §1.1). */
export const rowSchema = z.object({
  id: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  user_id: z.string(),
  version: z.string(),
});

export function rowFields(row: OwnedRow): z.infer<typeof rowSchema> {
  return { id: row.id, created_at: iso(row.created_at), updated_at: iso(row.updated_at), user_id: row.user_id, version: row.version };
}

/** `user_id` as the AGS front-end puts it in a body; who the caller is, is decided by auth. */
export const bodyUserId = z.string().optional();

/** The query string of a scoped route; `user_id` is read by auth, listed here for the docs. */
export const userQuerySchema = z.object({ user_id: z.string().optional() });
