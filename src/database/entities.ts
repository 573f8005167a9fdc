import { ChatConversationEntity } from '../chat/conversation.entity.js';
import { GalleryEntity } from '../gallery/gallery.entity.js';
import { MessageEntity } from '../runs/message.entity.js';
import { RunEventEntity } from '../runs/run-event.entity.js';
import { RunEntity } from '../runs/run.entity.js';
import { SessionEntity } from '../sessions/session.entity.js';
import { SettingsEntity } from '../settings/settings.entity.js';
import { TeamEntity } from '../teams/team.entity.js';

/** Every entity, as an explicit list: no globs, so the same list works from src (vitest) and dist. */
export const ENTITIES = [
  TeamEntity,
  SessionEntity,
  RunEntity,
  MessageEntity,
  RunEventEntity,
  SettingsEntity,
  GalleryEntity,
  ChatConversationEntity,
];
