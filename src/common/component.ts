import { z } from 'zod';
import { jsonObjectSchema } from './json.js';

/**
 * The AGS ComponentModel as it crosses the REST edge (protocol §1.9). Only `provider` and
 * `config` are required; unknown keys are kept. Whether the provider can be loaded is the
 * engine's business (POST /api/validate/), not this schema's.
 */
export const componentSchema = z
  .object({
    provider: z.string().min(1),
    component_type: z.string().optional(),
    version: z.number().int().optional(),
    component_version: z.number().int().optional(),
    description: z.string().nullish(),
    label: z.string().nullish(),
    config: jsonObjectSchema,
  })
  .catchall(z.json());
export type Component = z.infer<typeof componentSchema>;
