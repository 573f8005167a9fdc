import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, ownedBy } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import type { JsonObject } from '../common/json.js';
import { restoreSecrets } from '../common/secrets.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DatabaseService } from '../database/database.service.js';
import { defaultGalleryConfig } from './default-gallery.js';
import { GalleryEntity } from './gallery.entity.js';

@Injectable()
export class GalleryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The default gallery for this deployment (OpenAI models when a key is configured). */
  defaultConfig(): JsonObject {
    return defaultGalleryConfig({ useOpenAI: !!this.config.openai.apiKey });
  }

  /** The galleries the caller may see, newest first; a caller with none of their own gets the default gallery, once. */
  async list(caller: Caller): Promise<GalleryEntity[]> {
    const find = () => this.dataSource.manager.find(GalleryEntity, { where: ownedBy(caller), order: { created_at: 'DESC', id: 'DESC' } });
    if (!caller.isAdmin) {
      const galleries = await find();
      if (galleries.length > 0) return galleries;
    }
    const userId = caller.userId;
    await this.db.transaction(async (em) => {
      await this.db.lockKey(em, `default-gallery:${userId}`);
      if ((await em.countBy(GalleryEntity, { user_id: userId })) > 0) return;
      await em.insert(GalleryEntity, { user_id: userId, config: this.defaultConfig() });
    });
    return find();
  }

  async get(id: number, caller: Caller, em: EntityManager = this.dataSource.manager): Promise<GalleryEntity> {
    const gallery = await em.findOneBy(GalleryEntity, { id, ...ownedBy(caller) });
    if (!gallery) throw new NotFoundError('Gallery', id);
    return gallery;
  }

  /** A new gallery of the caller's; redaction markers in it have nothing to restore and are dropped. */
  async create(caller: Caller, config: JsonObject): Promise<GalleryEntity> {
    const saved = restoreSecrets(config, undefined);
    // save(), not insert(): TypeScript cannot check a JSON object against insert()'s deep-partial type here.
    const { id } = await this.db.transaction((em) => em.save(em.create(GalleryEntity, { user_id: caller.userId, config: saved })));
    return this.get(id, caller);
  }

  /** Replaces the gallery's config; a secret sent back as the redaction marker keeps its stored value. */
  async update(id: number, caller: Caller, config: JsonObject): Promise<GalleryEntity> {
    await this.db.transaction(async (em) => {
      const stored = await this.get(id, caller, em);
      await em.update(GalleryEntity, { id }, { config: restoreSecrets(config, stored.config) });
    });
    return this.get(id, caller);
  }

  async delete(id: number, caller: Caller): Promise<void> {
    await this.db.transaction(async (em) => {
      const result = await em.delete(GalleryEntity, { id, ...ownedBy(caller) });
      if (!result.affected) throw new NotFoundError('Gallery', id);
    });
  }
}
