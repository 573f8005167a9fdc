import { z } from 'zod';

/** A row id in a path: digits only, a positive integer (ids are integers everywhere). */
export const idParamSchema = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer')
  .transform(Number);
