import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';
import type { TeamState } from '../engine/index.js';
import { ChatConversationEntity } from './conversation.entity.js';

/** What a conversation has to remember between messages. */
export interface ConversationRecord {
  team: string;
  lastSpeaker: string | null;
  state: TeamState;
}

/** The `chat_conversations` rows: read one, write one (a conversation is only written by its owner's one reply at a time). */
@Injectable()
export class ConversationStore {
  constructor(private readonly db: DatabaseService) {}

  async find(userId: string, conversationId: string): Promise<ConversationRecord | null> {
    const row = await this.db.dataSource.manager.findOneBy(ChatConversationEntity, { user_id: userId, conversation_id: conversationId });
    return row && { team: row.team, lastSpeaker: row.last_speaker, state: row.state };
  }

  async save(userId: string, conversationId: string, record: ConversationRecord): Promise<void> {
    await this.db.transaction(async (em) => {
      const row =
        (await em.findOneBy(ChatConversationEntity, { user_id: userId, conversation_id: conversationId })) ??
        em.create(ChatConversationEntity, { user_id: userId, conversation_id: conversationId });
      row.team = record.team;
      row.last_speaker = record.lastSpeaker;
      row.state = record.state;
      await em.save(row);
    });
  }
}
