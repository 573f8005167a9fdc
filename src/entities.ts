import { ChatConversationEntity } from './chat/conversation.entity.js';
import type { EntityList } from './database/data-source.factory.js';
import { GalleryEntity } from './gallery/gallery.entity.js';
import { MessageEntity } from './runs/message.entity.js';
import { RunEventEntity } from './runs/run-event.entity.js';
import { RunEntity } from './runs/run.entity.js';
import { SessionEntity } from './sessions/session.entity.js';
import { SettingsEntity } from './settings/settings.entity.js';
import { TeamEntity } from './teams/team.entity.js';

/**
 * Every entity, as an explicit list: no globs, so the same list works from src (vitest) and dist.
 * It lives at the composition root, beside app.module.ts, because it names every feature;
 * src/database takes it as a parameter and imports no feature. The app (AppModule) and the
 * migration CLI (data-source.ts) both map this list.
 */
export const ENTITIES: EntityList = [
  TeamEntity,
  SessionEntity,
  RunEntity,
  MessageEntity,
  RunEventEntity,
  SettingsEntity,
  GalleryEntity,
  ChatConversationEntity,
];
