import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCaller } from '../auth/caller.js';
import { startSessionApp, type SessionApp } from '../../test/support/session-app.js';
import { NotFoundError } from '../common/errors.js';
import type { RunEntity } from './run.entity.js';
import { RunsService } from './runs.service.js';

const USER = userCaller('runner@example.com');
const SOMEONE_ELSE = userCaller('someone@else');

describe(RunsService.name, () => {
  let setup: SessionApp;
  let runs: RunsService;
  let sessionId: number;

  beforeAll(async () => {
    setup = await startSessionApp(USER);
    runs = setup.app.get(RunsService);
    sessionId = setup.sessionId;
  });
  afterAll(async () => {
    await setup?.close();
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
