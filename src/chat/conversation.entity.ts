import { Column, Entity, Unique } from 'typeorm';
import type { TeamState } from '../engine/index.js';
import { OwnedRow } from '../database/owned-row.js';

/**
 * One `POST /chat/completions` conversation (protocol §2.8): the team's saved state after the last
 * finished reply, so the next message continues it — also after a restart.
 */
@Entity({ name: 'chat_conversations' })
@Unique('uq_chat_conversations_user_conversation', ['user_id', 'conversation_id'])
export class ChatConversationEntity extends OwnedRow {
  /** The client's id (`[A-Za-z0-9_-]{1,128}`); unique per user. */
  @Column({ type: 'varchar', length: 128 })
  conversation_id!: string;

  /** Label of the gallery team the conversation is held with. */
  @Column({ type: 'varchar', length: 255 })
  team!: string;

  /** The agent the next message goes to. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  last_speaker!: string | null;

  /** The engine's TeamState (thread, agent memories, next speaker). */
  @Column({ type: 'simple-json' })
  state!: TeamState;
}
