import { z } from 'zod';
import { rowIdSchema } from '../common/params.js';
import { componentSchema } from '../common/component.js';
import { openObject } from '../common/json.js';
import { bodyUserId, rowFields, rowSchema } from '../common/row.js';
import { redactSecrets } from '../common/secrets.js';
import type { GalleryEntity } from './gallery.entity.js';

const components = z.array(componentSchema).default([]);

export const galleryConfigSchema = openObject({
  id: z.string().optional(),
  name: z.string().min(1),
  url: z.string().nullish(),
  metadata: z
    .looseObject({
      author: z.string().optional(),
      created_at: z.string().optional(),
      updated_at: z.string().optional(),
      version: z.string().optional(),
      description: z.string().optional(),
      tags: z.array(z.string()).optional(),
      license: z.string().optional(),
      homepage: z.string().nullish(),
      category: z.string().optional(),
      lastSynced: z.string().nullish(),
    })
    .default({}),
  components: openObject({
    teams: components,
    agents: components,
    models: components,
    tools: components,
    workbenches: components,
    terminations: components,
  }),
});
export type GalleryConfig = z.infer<typeof galleryConfigSchema>;

export const saveGallerySchema = openObject({ user_id: bodyUserId, id: rowIdSchema.optional(), config: galleryConfigSchema });
export type SaveGallery = z.infer<typeof saveGallerySchema>;

export const gallerySchema = rowSchema.extend({ config: galleryConfigSchema });
export type GalleryDto = z.infer<typeof gallerySchema>;

/** The row as it leaves the service: secrets inside the JSON read as the redaction marker. */
export function toGalleryDto(row: GalleryEntity): GalleryDto {
  return { ...rowFields(row), config: redactSecrets(galleryConfigSchema.parse(row.config)) };
}
