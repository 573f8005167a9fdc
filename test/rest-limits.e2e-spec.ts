/**
 * The REST limits (issue 6, point 3): HTTP_BODY_LIMIT answers 413 naming the limit and stores
 * nothing; RATE_LIMIT_PER_MINUTE answers 429 with Retry-After per verified user (per IP when
 * the caller is anonymous or unverified), and lets the caller in again once the minute is over.
 */
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TeamEntity } from '../src/teams/team.entity.js';
import { bearer, JWT_ENV, tokenFor } from './support/auth.js';
import { teamFixture } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('HTTP_BODY_LIMIT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { HTTP_BODY_LIMIT: '4kb' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const teamOfSize = (bytes: number) => {
    const team = structuredClone(teamFixture('round-robin-replay')) as Record<string, any>;
    team.description = 'x'.repeat(bytes);
    return { component: team };
  };

  it('refuses a larger body with 413 naming the limit, and stores nothing', async () => {
    const teams = t.app.get(DataSource).getRepository(TeamEntity);
    const before = await teams.count();
    const res = await t.http
      .post('/api/teams/')
      .send(teamOfSize(5 * 1024))
      .expect(413);
    expect(res.body).toEqual({ status: false, message: 'Request body exceeds the limit of 4kb (HTTP_BODY_LIMIT)', detail: res.body.message });
    expect(await teams.count()).toBe(before);
  });

  it('accepts a body under the limit', async () => {
    await t.http.post('/api/teams/').send(teamOfSize(1024)).expect(200);
  });
});

describe('RATE_LIMIT_PER_MINUTE with AUTH_TYPE=jwt', () => {
  let t: TestApp;
  const alice = bearer(tokenFor('alice'));
  const bob = bearer(tokenFor('bob'));
  beforeAll(async () => {
    t = await startTestApp({ env: { ...JWT_ENV, RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts per user: the sixth request in a minute is 429 with Retry-After, another user goes on', async () => {
    for (let i = 0; i < 5; i++) await t.http.get('/api/auth/me').set(alice).expect(200);
    const refused = await t.http.get('/api/teams/').set(alice).expect(429);
    expect(refused.body).toEqual({
      status: false,
      message: expect.stringMatching(/^Rate limit of 5 requests per minute exceeded/),
      detail: refused.body.message,
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await t.http.get('/api/auth/me').set(bob).expect(200);
  });

  it('lets the user in again once the minute is over', async () => {
    await t.http.get('/api/auth/me').set(alice).expect(429);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    await t.http.get('/api/auth/me').set(alice).expect(200);
  });

  it('counts requests with a bad token by client IP, so token guessing is limited too', async () => {
    for (let i = 0; i < 5; i++) await t.http.get('/api/teams/').set(bearer('guess')).expect(401);
    await t.http.get('/api/teams/').set(bearer('guess')).expect(429);
    // The verified user keeps their own allowance.
    await t.http.get('/api/auth/me').set(bob).expect(200);
  });
});

describe('RATE_LIMIT_PER_MINUTE with AUTH_TYPE=none', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts by IP: changing user_id does not reset the count', async () => {
    for (const user of ['a', 'b', 'c']) await t.http.get('/api/sessions/').query({ user_id: user }).expect(200);
    await t.http.get('/api/sessions/').query({ user_id: 'd' }).expect(429);
  });

  it('never counts nor refuses the health probes: a load balancer must not take a busy instance out for others’ traffic', async () => {
    // This IP is over its limit (the test above).
    await t.http.get('/api/sessions/').query({ user_id: 'e' }).expect(429);
    for (let i = 0; i < 5; i++) {
      await t.http.get('/api/health/live').expect(200);
      await t.http.get('/api/health/ready').expect(200);
      await t.http.get('/api/health').expect(200);
    }
  });
});
