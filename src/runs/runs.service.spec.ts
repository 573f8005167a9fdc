import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.factory.js';
import { userCaller } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import { loadConfig } from '../config/config.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TeamsService } from '../teams/teams.service.js';
import type { RunEntity } from './run.entity.js';
import { RunsService } from './runs.service.js';

const USER = userCaller('runner@example.com');
const SOMEONE_ELSE = userCaller('someone@else');

describe(RunsService.name, () => {
  let db: TestDatabase;
  let app: INestApplication;
  let runs: RunsService;
  let sessionId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({ ...loadConfig({}), database: db.config }, { logger: false });
    runs = app.get(RunsService);
    const team = await app.get(TeamsService).upsert(USER, { component: { provider: 'autogen_agentchat.teams.RoundRobinGroupChat', config: {} } });
    sessionId = (await app.get(SessionsService).create(USER, { team_id: team.id, name: 's' })).id;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const newRun = async (): Promise<RunEntity> => runs.create(USER, sessionId);

  it('creates a run in status created, scoped by user', async () => {
    const run = await newRun();
    expect(await runs.get(run.id, USER)).toMatchObject({ id: run.id, status: 'created', session_id: sessionId });
    await expect(runs.get(run.id, SOMEONE_ELSE)).rejects.toBeInstanceOf(NotFoundError);
    expect(await runs.findById(run.id)).toMatchObject({ user_id: USER.userId });
    expect(await runs.findById(999_999)).toBeNull();
    await expect(runs.create(SOMEONE_ELSE, sessionId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
