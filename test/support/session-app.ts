/**
 * For service-level specs: the real app (not listening) on a fresh database, with one team and
 * one session of `owner` to hang runs on. `close()` stops the app and drops the database.
 */
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory.js';
import type { Caller } from '../../src/auth/caller.js';
import { loadConfig } from '../../src/config/config.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { TeamsService } from '../../src/teams/teams.service.js';
import { createTestDatabase } from './test-database.js';

export interface SessionApp {
  app: INestApplication;
  sessionId: number;
  close(): Promise<void>;
}

export async function startSessionApp(owner: Caller): Promise<SessionApp> {
  const db = await createTestDatabase();
  const app = await createApp({ ...loadConfig({}), database: db.config }, { logger: false });
  const team = await app.get(TeamsService).upsert(owner, { component: { provider: 'autogen_agentchat.teams.RoundRobinGroupChat', config: {} } });
  const sessionId = (await app.get(SessionsService).create(owner, { team_id: team.id, name: 's' })).id;
  return {
    app,
    sessionId,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
