import { type MigrationInterface, type QueryRunner, Table, TableUnique } from 'typeorm';

/**
 * `chat_conversations`: the saved team state of each `POST /chat/completions` conversation.
 * Written with the QueryRunner schema API (no SQL) so it runs on SQLite and PostgreSQL alike.
 */
export class ChatConversations1795527448453 implements MigrationInterface {
  name = 'ChatConversations1795527448453';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    const timestamp = (name: string) => ({
      name,
      type: postgres ? 'timestamptz' : 'datetime',
      default: postgres ? 'now()' : "datetime('now')",
    });
    await q.createTable(
      new Table({
        name: 'chat_conversations',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          timestamp('created_at'),
          timestamp('updated_at'),
          { name: 'user_id', type: 'varchar', length: '255' },
          { name: 'version', type: 'varchar', length: '32', default: "'0.0.1'" },
          { name: 'conversation_id', type: 'varchar', length: '128' },
          { name: 'team', type: 'varchar', length: '255' },
          { name: 'last_speaker', type: 'varchar', length: '255', isNullable: true },
          // simple-json is text on both databases; TypeORM (de)serialises it.
          { name: 'state', type: 'text' },
        ],
        uniques: [new TableUnique({ name: 'uq_chat_conversations_user_conversation', columnNames: ['user_id', 'conversation_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('chat_conversations', true);
  }
}
