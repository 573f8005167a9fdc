import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors.js';
import type { JsonObject } from '../common/json.js';
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

  /** The user's galleries, newest first; a user with none gets the default gallery, once. */
  async list(userId: string): Promise<GalleryEntity[]> {
    const find = () => this.dataSource.manager.find(GalleryEntity, { where: { user_id: userId }, order: { created_at: 'DESC', id: 'DESC' } });
    const galleries = await find();
    if (galleries.length > 0) return galleries;
    await this.db.transaction(async (em) => {
      await this.db.lockKey(em, `default-gallery:${userId}`);
      if ((await em.countBy(GalleryEntity, { user_id: userId })) > 0) return;
      await em.insert(GalleryEntity, { user_id: userId, config: this.defaultConfig() });
    });
    return find();
  }

  async get(id: number, userId: string, em: EntityManager = this.dataSource.manager): Promise<GalleryEntity> {
    const gallery = await em.findOneBy(GalleryEntity, { id, user_id: userId });
    if (!gallery) throw new NotFoundError('Gallery', id);
    return gallery;
  }

  async create(userId: string, config: JsonObject): Promise<GalleryEntity> {
    // save(), not insert(): TypeScript cannot check a JSON object against insert()'s deep-partial type here.
    const { id } = await this.db.transaction((em) => em.save(em.create(GalleryEntity, { user_id: userId, config })));
    return this.get(id, userId);
  }

  async update(id: number, userId: string, config: JsonObject): Promise<GalleryEntity> {
    await this.db.transaction(async (em) => {
      await this.get(id, userId, em);
      await em.update(GalleryEntity, { id, user_id: userId }, { config });
    });
    return this.get(id, userId);
  }

  async delete(id: number, userId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const result = await em.delete(GalleryEntity, { id, user_id: userId });
      if (!result.affected) throw new NotFoundError('Gallery', id);
    });
  }
}
