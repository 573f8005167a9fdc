/**
 * Run ownership on a real PostgreSQL (skipped, visibly, without one; a failure under CI): the
 * lease arithmetic, the reaper ending runs of an expired owner exactly once under concurrency,
 * and the cluster start-up sweep that leaves runs of live peers alone.
 */
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.factory.js';
import { userCaller } from '../auth/caller.js';
import { loadConfig, type AppConfig } from '../config/config.js';
import { DatabaseService } from '../database/database.service.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { InProcessRunBus } from '../runs/run-bus.js';
import { RunJournal } from '../runs/run-journal.js';
import { endOrphanedRun, INSTANCE_LOST_REASON, INTERRUPTED_REASON, RunRecovery } from '../runs/run-recovery.js';
import { RunsService } from '../runs/runs.service.js';
import type { RunFrame } from '../runs/ws-frames.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TeamsService } from '../teams/teams.service.js';
import { createPostgresDatabase, findPostgres } from '../../test/support/postgres.js';
import { InstanceLease, leaseTiming } from './instance-lease.js';

const pgUrl = await findPostgres();
const USER = userCaller('lease@example.com');

describe('leaseTiming', () => {
  it.each([3, 15, 60])('RUN_LEASE_S=%i: a killed owner is found within three quarters of the lease, and may miss two renewals', (leaseS) => {
    const { holdMs, renewMs, reapMs } = leaseTiming(leaseS);
    expect(holdMs + reapMs).toBeLessThanOrEqual(0.75 * leaseS * 1000);
    expect(renewMs * 3).toBeLessThanOrEqual(holdMs);
  });
});

describe.skipIf(!pgUrl)('InstanceLease and the cluster start-up sweep (PostgreSQL)', () => {
  let app: INestApplication;
  let drop: () => Promise<void>;
  let db: DatabaseService;
  let journal: RunJournal;
  let runs: RunsService;
  let sessionId: number;
  let schema: string;

  beforeAll(async () => {
    const database = await createPostgresDatabase(pgUrl!);
    drop = () => database.drop();
    schema = database.schema;
    app = await createApp({ ...loadConfig({}), database: database.config }, { logger: false });
    const team = await app.get(TeamsService).upsert(USER, { component: { provider: 'autogen_agentchat.teams.RoundRobinGroupChat', config: {} } });
    sessionId = (await app.get(SessionsService).create(USER, { team_id: team.id, name: 's' })).id;
    db = app.get(DatabaseService);
    journal = app.get(RunJournal);
    runs = app.get(RunsService);
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  const published: RunFrame[] = [];
  const bus = new InProcessRunBus();
  bus.publish = (frame) => void published.push(frame);
  // A long lease where a test needs it to hold (a loaded machine may pause for seconds).
  const lease = (id: string, leaseS = 3) => new InstanceLease(db, journal, bus, app.get(LiveRunRegistry), id, leaseS);
  const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text.replaceAll('"T".', `"${schema}".`), params);
  /** An `active` run owned by `owner`, with `reserved` seqs reserved. */
  const activeRun = async (owner: string, reserved = 0) => {
    const row = await runs.create(USER, sessionId);
    await journal.activate(row.id, [], reserved);
    await sql(`UPDATE "T"."runs" SET owner_instance = $1 WHERE id = $2`, [owner, row.id]);
    return row.id;
  };
  const expire = (id: string) => sql(`UPDATE "T"."cluster_instances" SET lease_until = clock_timestamp() - interval '1 second' WHERE id = $1`, [id]);
  const status = async (runId: number) => (await runs.get(runId, USER)).status;

  it("a peer's runs are left alone while its lease holds; once it expired, concurrent reapers end each run exactly once", async () => {
    const owner = lease('x', 60);
    await owner.renew();
    const runIds = [await activeRun('x', 40), await activeRun('x')];
    const reapers = [lease('y'), lease('z'), lease('w')];
    expect(await reapers[0]!.reap()).toBe(0);
    expect(await status(runIds[0]!)).toBe('active');

    await expire('x');
    published.length = 0;
    // Three reapers and a sweep of each run (as a restarted instance's start-up would) race.
    const swept: number[] = [];
    const counts = await Promise.all([
      ...reapers.map((r) => r.reap()),
      ...runIds.map(async (id) => ((await endOrphanedRunOf(id)) ? (swept.push(id), 1) : 0)),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    // A reaper publishes the terminal frame of each run it ended (the sweep's caller publishes its own).
    expect([...published.map((f) => f.run_id), ...swept].sort()).toEqual([...runIds].sort());
    for (const runId of runIds) {
      expect(await runs.get(runId, USER)).toMatchObject({ status: 'error', stop_reason: INSTANCE_LOST_REASON });
      const stored = await journal.framesAfter(runId, 0);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ type: 'completion', status: 'error' });
    }
    // Numbered after the reservation: seqs a dead owner may have sent are never reused.
    expect((await journal.framesAfter(runIds[0]!, 0))[0]!.seq).toBe(41);
  });

  it('refuses to start with the INSTANCE_ID of a running instance, naming the setting, and leaves its runs alone', async () => {
    const running = lease('twin');
    await running.onModuleInit();
    const runId = await activeRun('twin');
    try {
      await expect(lease('twin').onModuleInit()).rejects.toThrow(/INSTANCE_ID "twin" is in use/);
      expect(await status(runId)).toBe('active');
    } finally {
      await running.beforeApplicationShutdown();
      // Its run would otherwise be a lost instance's for the tests after this one.
      await sql(`UPDATE "T"."runs" SET status = 'stopped' WHERE id = $1`, [runId]);
    }
  }, 20_000);

  it('a restart with the INSTANCE_ID of a killed instance waits for its old lease to lapse, then takes it', async () => {
    const killed = lease('phoenix');
    await killed.renew(); // its last renewal; no timers: it is dead
    const restarted = lease('phoenix');
    const waitedFrom = Date.now();
    await restarted.onModuleInit();
    try {
      // The old lease held for RUN_LEASE_S/2 = 1.5 s from its renewal.
      expect(Date.now() - waitedFrom).toBeGreaterThan(500);
      const [row] = (await sql(`SELECT lease_until > clock_timestamp() AS held FROM "T"."cluster_instances" WHERE id = 'phoenix'`)) as {
        held: boolean;
      }[];
      expect(row?.held).toBe(true);
    } finally {
      await restarted.beforeApplicationShutdown();
    }
  }, 20_000);

  /** endOrphanedRun straight from the row, as another caller (a start-up sweep) would. */
  const endOrphanedRunOf = async (runId: number) => {
    const [row] = (await sql(`SELECT id, session_id, user_id, created_at, seq_reserved FROM "T"."runs" WHERE id = $1`, [runId])) as Parameters<
      typeof endOrphanedRun
    >[1][];
    return endOrphanedRun(journal, row!, INSTANCE_LOST_REASON);
  };

  it('an instance never reaps its own runs, and releases its lease at shutdown', async () => {
    const self = lease('self');
    await self.renew();
    const runId = await activeRun('self');
    await expire('self');
    expect(await self.reap()).toBe(0);
    expect(await status(runId)).toBe('active');
    await self.beforeApplicationShutdown();
    expect(await sql(`SELECT id FROM "T"."cluster_instances" WHERE id = 'self'`)).toEqual([]);
    // Gone without a row: a peer ends its leftover run.
    expect(await lease('peer').reap()).toBeGreaterThanOrEqual(1);
    expect(await runs.get(runId, USER)).toMatchObject({ status: 'error', stop_reason: INSTANCE_LOST_REASON });
  });

  it('the cluster start-up sweep ends runs of this instance and of expired peers, never those of a live peer', async () => {
    const live = lease('live', 60);
    await live.renew();
    const dead = lease('dead');
    await dead.renew();
    await expire('dead');
    const mine = await activeRun('me');
    const ofDead = await activeRun('dead');
    const ofLive = await activeRun('live');
    const config = {
      ...loadConfig({}),
      cluster: { mode: 'redis', redisUrl: 'redis://unused', keyPrefix: 'p:', leaseS: 3, instanceId: 'me' },
    } as AppConfig;
    const recovery = new RunRecovery(db, journal, bus, config);
    await recovery.recoverInterruptedRuns();
    expect(await runs.get(mine, USER)).toMatchObject({ status: 'error', stop_reason: INTERRUPTED_REASON });
    expect(await runs.get(ofDead, USER)).toMatchObject({ status: 'error', stop_reason: INSTANCE_LOST_REASON });
    expect(await status(ofLive)).toBe('active');
  });
  it('a renewal that finds its own lease lapsed calls onLapse, and again at the next renewal only', async () => {
    let calls = 0;
    const late = new InstanceLease(db, journal, bus, app.get(LiveRunRegistry), 'late', 3, async () => void calls++);
    await late.renew();
    expect(calls).toBe(0);
    const lapsed = async () =>
      ((await sql(`SELECT lease_until < clock_timestamp() AS lapsed FROM "T"."cluster_instances" WHERE id = 'late'`)) as { lapsed: boolean }[])[0]
        ?.lapsed;
    await expect.poll(lapsed, { timeout: 10_000, interval: 100 }).toBe(true);
    await late.renew();
    expect(calls).toBe(1);
    await late.renew();
    await late.renew();
    expect(calls).toBe(2);
  });
});
