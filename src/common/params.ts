import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * The largest id a row can have. Ids (and frame seqs) are `integer` columns: PostgreSQL's int4
 * refuses anything larger with an error, so a larger id in a request must never reach a query.
 * SQLite's integers are wider, but it is held to the same range so both databases answer alike.
 */
export const MAX_ROW_ID = 2_147_483_647;

/** Whether `text` is digits naming a number within the integer column's range. */
function withinRange(text: string): boolean {
  return text.length <= 10 && Number(text) <= MAX_ROW_ID;
}

/**
 * A row id in a path: digits only, a positive integer (else 400). An id past the column's range
 * names no row that can exist: 404, decided here, without a query.
 */
export const idParamSchema = z
  .string()
  .regex(/^[1-9]\d*$/, 'must be a positive integer')
  .transform((text) => {
    // Thrown, not reported as an issue: the pipe turns issues into 400, and this is a 404.
    if (!withinRange(text)) throw new AppError('not_found', `No row has id ${text.slice(0, 20)}: ids are at most ${MAX_ROW_ID}`);
    return Number(text);
  });

/** A row id in a JSON body (a reference such as `session_id`): a positive integer within the range (else 400). */
export const rowIdSchema = z.number().int().positive().max(MAX_ROW_ID);

/** A frame seq in a query (`?after=`): a whole number up to the column's range (else 400). */
export const seqParamSchema = z
  .string()
  .regex(/^\d+$/, { message: 'must be a whole number', abort: true })
  .refine(withinRange, `must be at most ${MAX_ROW_ID}`)
  .transform(Number);

/** A row id in a URL the router does not parse (the run socket): the id, or null when malformed or out of range. */
export function parseRowId(text: string): number | null {
  return /^[1-9]\d*$/.test(text) && withinRange(text) ? Number(text) : null;
}

/** A seq in a URL the router does not parse (`?after=`, `Last-Event-ID`): the number, or null. */
export function parseSeq(text: string): number | null {
  return /^\d+$/.test(text) && withinRange(text) ? Number(text) : null;
}
