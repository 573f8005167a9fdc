/**
 * The benchmark, in one invocation: starts the bare ws server and the built service (node
 * dist/src/main.js, LOG_LEVEL=warn), each as its own child process on a free port of 127.0.0.1,
 * and runs the load generator (bench/load.mjs, a third process) against one target at a time:
 * the bare server, the service on a fresh temp SQLite file, the service on a fresh PostgreSQL
 * schema, and two service instances in cluster mode (CLUSTER=redis) on one fresh schema. Prints
 * a table, the ratios service / bare per database, the targets met or missed, and writes
 * bench/results/latest.json.
 *
 * Options: --runs 1,50,500,1000  --chunks 1000  --rounds 10  --leak-runs 50  --reps1 10  --timeout 300
 *          --db sqlite,postgres   (the single-instance service targets; PostgreSQL is skipped, saying
 *                                  why, when postgres://postgres@127.0.0.1:5432/test does not answer)
 *          --cluster auto|on|off  (auto: when PostgreSQL and Redis 127.0.0.1:6379 both answer)
 *          PostgreSQL and Redis: TEST_DATABASE_URL (a postgres:// URL) and TEST_REDIS_URL override the defaults, as for the tests
 *          --cluster-runs 50,500
 *          --idle-viewers 10000 --idle-runs 100   (0 viewers: no idle-viewer phase)
 *          --cpu-prof (profile the service with node --cpu-prof into bench/results/prof/)
 *          --only service|bare
 * Build first: `npm run bench` does `nest build` then this script.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const RESULTS = join(HERE, 'results');
// `--cluster` alone means `--cluster on`, `--no-cluster` means `--cluster off`.
const argv = process.argv
  .slice(2)
  .flatMap((a, i, all) =>
    a === '--no-cluster'
      ? ['--cluster', 'off']
      : a === '--cluster' && (i === all.length - 1 || all[i + 1].startsWith('--'))
        ? ['--cluster', 'on']
        : [a],
  );
const { values: opt } = parseArgs({
  args: argv,
  options: {
    runs: { type: 'string', default: '1,50,500,1000' },
    chunks: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '10' },
    'leak-runs': { type: 'string', default: '50' },
    reps1: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '300' },
    'cpu-prof': { type: 'boolean', default: false },
    only: { type: 'string' },
    db: { type: 'string', default: 'sqlite,postgres' },
    cluster: { type: 'string', default: 'auto' },
    'cluster-runs': { type: 'string', default: '50,500' },
    'idle-viewers': { type: 'string', default: '10000' },
    'idle-runs': { type: 'string', default: '100' },
  },
});
const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);
const children = new Set();
// The test suites' servers (and their overrides, so a CI job points both at the same place).
const PG_URL = /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '')
  ? process.env.TEST_DATABASE_URL
  : 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const DBS = opt.db
  .split(',')
  .map((d) => d.trim())
  .filter(Boolean);
for (const d of DBS) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--db takes sqlite and/or postgres, got ${d}`);
if (!['auto', 'on', 'off'].includes(opt.cluster)) throw new Error(`--cluster takes auto, on or off, got ${opt.cluster}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => {
    child.output += d;
    const text = String(d).replace(/^(Debugger listening on|For help, see|Debugger attached|Debugger ending on|Waiting for the debugger).*\n?/gm, '');
    if (text) process.stderr.write(`[${name}] ${text}`);
  });
  child.exited = new Promise((r) => child.once('exit', (code, signal) => (children.delete(child), r({ code, signal }))));
  return child;
}

async function stop(child, ms = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await child.exited;
  clearTimeout(timer);
}

/** Polls `check` every 100 ms, at most `ms`; gives up at once when `child` (if given) has exited. */
async function until(check, ms, what, child = null) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited ${child.exitCode}:\n${child.output.slice(-3000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Why PostgreSQL at PG_URL cannot be used, or null when it answers `select 1` within 3 s. */
async function postgresProblem() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return `${PG_URL} does not answer (${e.message || e.code || e})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why Redis at REDIS_URL cannot be used, or null when it answers PING within 3 s. */
async function redisProblem() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (e) {
    return `${REDIS_URL} does not answer (${e.message})`;
  } finally {
    redis.disconnect();
  }
}

async function postgresAdmin(sql) {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let schemaCount = 0;
/** A fresh schema for one target (created here, as the test suites do) and its drop. */
async function freshSchema() {
  const schema = `bench_${process.pid}_${++schemaCount}`;
  await postgresAdmin(`CREATE SCHEMA "${schema}"`);
  return { schema, drop: () => postgresAdmin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`) };
}

/** Deletes every Redis key under `prefix` (SCAN + DEL); returns how many. */
async function clearRedisPrefix(prefix) {
  const redis = new Redis(REDIS_URL, { connectTimeout: 3000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * One service process. `db`: { kind: 'sqlite' } (a fresh temp file, removed by `cleanup`) or
 * { kind: 'postgres', schema } (the caller owns the schema); `cluster`: { instance, prefix } for
 * CLUSTER=redis.
 */
async function startService({ db = { kind: 'sqlite' }, cluster = null } = {}) {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('dist/src/main.js missing: run `npx nest build` (or npm run bench)');
  const port = await freePort();
  const dbDir = db.kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'teamstream-bench-')) : null;
  const dbEnv = dbDir ? { DATABASE_URL: `sqlite:${join(dbDir, 'bench.db')}` } : { DATABASE_URL: PG_URL, DATABASE_SCHEMA: db.schema };
  const clusterEnv = cluster ? { CLUSTER: 'redis', REDIS_URL, REDIS_KEY_PREFIX: cluster.prefix, INSTANCE_ID: cluster.instance } : { CLUSTER: 'off' };
  // The inspector (127.0.0.1, random port) lets the load generator force a full GC before each
  // leak-check reading; no session is attached while rounds are measured.
  const args = ['--inspect=127.0.0.1:0'];
  if (opt['cpu-prof']) {
    mkdirSync(join(RESULTS, 'prof'), { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', join(RESULTS, 'prof'));
  }
  const child = start(cluster ? `service ${cluster.instance}` : `service ${db.kind}`, [...args, 'dist/src/main.js'], {
    HOST: '127.0.0.1',
    PORT: String(port),
    ...dbEnv,
    ...clusterEnv,
    LOG_LEVEL: 'warn',
    // Creating the runs over REST is set-up, not what is measured: no per-client request cap.
    RATE_LIMIT_PER_MINUTE: '0',
    // Every benchmark run belongs to one (guest) user: lift the live-run limits above the load.
    MAX_LIVE_RUNS: '10000',
    MAX_LIVE_RUNS_PER_USER: '10000',
    // Every socket of the load comes from one IP as the guest user.
    WS_MAX_CONNECTIONS: '100000',
    WS_MAX_CONNECTIONS_PER_USER: '100000',
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok, 60_000, 'the service health check', child);
  const inspect = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(child.output)?.[1];
  return { child, url, inspect, cleanup: () => dbDir && rmSync(dbDir, { recursive: true, force: true }) };
}

async function startBare() {
  const child = start('bare', [join(HERE, 'bare-server.mjs'), '--port', '0', '--chunks', opt.chunks]);
  await until(async () => /"port"/.test(child.output), 10_000, 'the bare server');
  const { port } = JSON.parse(child.output.split('\n').find((l) => l.includes('"port"')));
  return { child, url: `http://127.0.0.1:${port}`, cleanup: () => {} };
}

/**
 * Runs the load generator against `server` and returns its result, labelled with `db`.
 * `extra`: { runs, rounds, idleViewers, viewer } overriding the options (viewer: the second
 * instance in cluster mode).
 */
async function load(target, db, server, extra = {}) {
  const out = join(RESULTS, `.load-${target}-${db}.json`);
  rmSync(out, { force: true });
  const runs = extra.runs ?? opt.runs;
  const rounds = extra.rounds ?? opt.rounds;
  const idleViewers = extra.idleViewers ?? opt['idle-viewers'];
  const child = start(`load`, [
    join(HERE, 'load.mjs'),
    ...['--target', target, '--url', server.url, '--pid', String(server.child.pid), '--out', out],
    ...(server.inspect ? ['--inspect', server.inspect] : []),
    ...(extra.viewer ? ['--viewer-url', extra.viewer.url, '--viewer-pid', String(extra.viewer.child.pid)] : []),
    ...['--runs', runs, '--chunks', opt.chunks, '--rounds', rounds, '--leak-runs', opt['leak-runs'], '--reps1', opt.reps1],
    ...['--timeout', opt.timeout, '--idle-viewers', idleViewers, '--idle-runs', opt['idle-runs']],
  ]);
  // Every round may take up to --timeout, plus set-up; the idle phase counts as two rounds.
  const roundsTotal = runs.split(',').length + 1 + Number(rounds) + (Number(idleViewers) > 0 ? 2 : 0);
  const limit = (Number(opt.timeout) + 120) * 1000 * roundsTotal;
  const timer = setTimeout(() => child.kill('SIGKILL'), limit);
  const { code } = await child.exited;
  clearTimeout(timer);
  if (code !== 0 || !existsSync(out)) throw new Error(`load generator against ${target} (${db}) failed (exit ${code})`);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  return { ...result, db };
}

/** The commit benchmarked, and whether src/ had uncommitted changes. */
function revision() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), srcDirty: git('status', '--porcelain', '--', 'src') !== '' };
  } catch {
    return null;
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: cpus().length,
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    memTotalGb: +(totalmem() / 2 ** 30).toFixed(1),
    memFreeGb: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
  };
}

const f = (v, d = 0) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));
const pctText = (v) => `${(v * 100).toFixed(1)}%`;
const sign = (v) => `${v >= 0 ? '+' : ''}${f(v, 1)}%`;

function table(results) {
  const lines = [];
  const head = ['target', 'db', 'runs', 'chunks/s', 'ttfc p50 ms', 'ttfc p99 ms', 'complete', 'errors', 'lost', 'RSS MB', 'B−A p50 ms', 'B−A p99 ms'];
  lines.push(head.join('\t'));
  for (const r of results)
    for (const row of r.rows) {
      lines.push(
        [
          r.target,
          r.db,
          row.reps > 1 ? `${row.runs} (×${row.reps})` : row.runs,
          f(row.chunksPerSec),
          f(row.ttfcP50Ms, 1),
          f(row.ttfcP99Ms, 1),
          `${row.completed}/${row.expected}`,
          row.errors,
          row.lostRuns,
          row.viewerRssMb !== undefined ? `${f(row.rssMb, 1)} + ${f(row.viewerRssMb, 1)}` : f(row.rssMb, 1),
          f(row.crossP50Ms, 2),
          f(row.crossP99Ms, 2),
        ].join('\t'),
      );
    }
  return lines.join('\n');
}

/** Ratios service / bare per database and runs, and every target of issues #5 and #16 §2 with its verdict. */
function verdicts(results) {
  const bare = results.find((r) => r.target === 'bare');
  const byDb = (db) => results.find((r) => r.target !== 'bare' && r.db === db);
  const row = (r, n) => r?.rows.find((x) => x.runs === n);
  const ratios = {};
  for (const r of results.filter((x) => x.target !== 'bare')) {
    ratios[r.db] = {};
    for (const x of r.rows) {
      const b = row(bare, x.runs);
      if (b) ratios[r.db][x.runs] = { throughput: x.chunksPerSec / b.chunksPerSec, ttfcP50: x.ttfcP50Ms / b.ttfcP50Ms, rss: x.rssMb / b.rssMb };
    }
  }
  const targets = [];
  const add = (target, value, met) => targets.push({ target, value, met });
  const sqlite = byDb('sqlite');
  const postgres = byDb('postgres');
  const cluster = byDb('cluster');

  // #16 §2: ttfc and throughput against the bare server, same invocation.
  for (const r of [sqlite, postgres, cluster].filter(Boolean))
    for (const n of [50, 500]) {
      const q = ratios[r.db][n];
      if (q)
        add(
          `[${r.db}] ttfc p50 ≤ 2× bare at ${n} runs`,
          `×${f(q.ttfcP50, 2)} (${f(row(r, n).ttfcP50Ms, 1)} vs ${f(row(bare, n).ttfcP50Ms, 1)} ms)`,
          q.ttfcP50 <= 2,
        );
    }
  for (const [n, min] of [
    [50, 0.7],
    [500, 0.6],
  ]) {
    const q = sqlite && ratios.sqlite[n];
    if (q)
      add(
        `[sqlite] throughput at ${n} runs ≥ ${min * 100}% of bare`,
        `${pctText(q.throughput)} (${f(row(sqlite, n).chunksPerSec)} vs ${f(row(bare, n).chunksPerSec)} chunks/s)`,
        q.throughput >= min,
      );
  }
  for (const n of [50, 500]) {
    const p = row(postgres, n),
      s = row(sqlite, n);
    if (p && s)
      add(
        `[postgres] throughput at ${n} runs ≥ 80% of SQLite's`,
        `${pctText(p.chunksPerSec / s.chunksPerSec)} (${f(p.chunksPerSec)} vs ${f(s.chunksPerSec)} chunks/s; ${pctText(ratios.postgres[n]?.throughput ?? NaN)} of bare)`,
        p.chunksPerSec / s.chunksPerSec >= 0.8,
      );
  }
  const allGood = (x) => x.completed === x.expected && x.errors === 0 && x.lostRuns === 0;
  const outcome = (x) => `${x.completed}/${x.expected} complete, ${x.errors} errors, ${x.lostRuns} runs with lost frames`;
  for (const r of [sqlite, postgres].filter(Boolean)) {
    const x = row(r, 1000);
    if (x) add(`[${r.db}] 1,000 concurrent runs: all complete, 0 errors, 0 lost frames`, outcome(x), allGood(x));
  }
  for (const r of [sqlite, postgres].filter(Boolean)) {
    const i = r.idle;
    if (!i) continue;
    const ok = i.viewersConnected === i.viewersRequested && i.failures === 0;
    add(
      `[${r.db}] ${i.viewersRequested} idle viewers on ${i.runs} runs, server RSS ≤ 1 GB (as read; all connected, 0 failures)`,
      `${i.viewersConnected}/${i.viewersRequested} connected, ${i.failures} failures, RSS ${f(i.rssRawMb, 1)} MB (after forced GC ${f(i.afterGc?.rssMb, 1)} MB, heap used ${f(i.afterGc?.heapUsedMb, 1)} MB; ${f(i.rssParkedMb, 1)} MB with one viewer per run), ${i.runsStopped}/${i.runsParked} runs stopped`,
      ok && i.rssRawMb !== null && i.rssRawMb <= 1024,
    );
  }
  if (cluster)
    for (const x of cluster.rows) {
      if (x.crossP50Ms === undefined || x.crossP50Ms === null) continue;
      add(
        `[cluster] a viewer on the other instance adds ≤ 5 ms p50 per frame (${x.runs} runs; both viewers complete, 0 errors, 0 lost)`,
        `p50 ${f(x.crossP50Ms, 2)} ms, p99 ${f(x.crossP99Ms, 2)} ms over ${x.crossFrames} frames; ${outcome(x)}`,
        x.crossP50Ms <= 5 && allGood(x),
      );
    }

  // Issue #5's targets, kept, per database.
  for (const r of [sqlite, postgres].filter(Boolean)) {
    const q = ratios[r.db][50];
    if (q) add(`[${r.db}] throughput at 50 runs ≥ 50% of bare (issue #5)`, pctText(q.throughput), q.throughput >= 0.5);
    const one = row(r, 1);
    if (one) add(`[${r.db}] time to first chunk p50 ≤ 20 ms at 1 run (issue #5)`, `${f(one.ttfcP50Ms, 1)} ms`, one.ttfcP50Ms <= 20);
    const x = row(r, 500);
    if (x) add(`[${r.db}] 500 concurrent runs: all complete, 0 errors, 0 lost frames (issue #5)`, outcome(x), allGood(x));
    const l = r.leak;
    if (l && l.growthPct !== null && l.growthPct !== undefined) {
      add(
        `[${r.db}] RSS after ${l.rounds.length} rounds within 10% of after round 1 (raw, as read)`,
        `${f(l.rounds[0].rssMb, 1)} → ${f(l.rounds.at(-1).rssMb, 1)} MB (${sign(l.growthPct)})`,
        Math.abs(l.growthPct) <= 10,
      );
      if (l.gcRssGrowthPct !== null) {
        const a = l.rounds[0].afterGc,
          b = l.rounds.at(-1).afterGc;
        add(
          `[${r.db}] RSS after ${l.rounds.length} rounds within 10% of after round 1 (after a forced full GC)`,
          `${f(a.rssMb, 1)} → ${f(b.rssMb, 1)} MB (${sign(l.gcRssGrowthPct)}); heap used ${f(a.heapUsedMb, 1)} → ${f(b.heapUsedMb, 1)} MB (${sign(l.gcHeapGrowthPct)})`,
          Math.abs(l.gcRssGrowthPct) <= 10,
        );
      }
    }
  }
  return { ratios, targets };
}

/** Starts one single-instance service on `db`, loads it, stops it and throws its database away. */
async function singleInstance(db) {
  const schema = db === 'postgres' ? await freshSchema() : null;
  try {
    const srv = await startService({ db: schema ? { kind: 'postgres', schema: schema.schema } : { kind: 'sqlite' } });
    log(`service (${db}${schema ? `, schema ${schema.schema}` : ''}) on ${srv.url} (pid ${srv.child.pid})${opt['cpu-prof'] ? ', profiling' : ''}`);
    try {
      return await load('service', db, srv);
    } finally {
      await stop(srv.child, 30_000);
      srv.cleanup();
    }
  } finally {
    await schema?.drop().catch((e) => log(`could not drop schema ${schema.schema}: ${e.message}`));
  }
}

/**
 * Two instances (CLUSTER=redis, INSTANCE_ID a and b) on one fresh schema and a fresh Redis key
 * prefix; A is started and healthy before B (the first instance applies the migrations). Runs are
 * created and started on A, each with a second viewer on B. Afterwards the schema and the prefix's
 * keys are deleted.
 */
async function clusterPair() {
  const schema = await freshSchema();
  const prefix = `bench${process.pid}:`;
  const started = [];
  try {
    const db = { kind: 'postgres', schema: schema.schema };
    const a = await startService({ db, cluster: { instance: 'a', prefix } });
    started.push(a);
    const b = await startService({ db, cluster: { instance: 'b', prefix } });
    started.push(b);
    log(`cluster: instance a on ${a.url} (pid ${a.child.pid}), b on ${b.url} (pid ${b.child.pid}), schema ${schema.schema}, Redis prefix ${prefix}`);
    return await load('service', 'cluster', a, { runs: opt['cluster-runs'], rounds: '0', idleViewers: '0', viewer: b });
  } finally {
    for (const srv of started.reverse()) await stop(srv.child, 30_000);
    await schema.drop().catch((e) => log(`could not drop schema ${schema.schema}: ${e.message}`));
    await clearRedisPrefix(prefix).then(
      (n) => log(`deleted ${n} Redis keys under ${prefix}`),
      (e) => log(`could not clear Redis keys under ${prefix}: ${e.message}`),
    );
  }
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const started = new Date().toISOString();
  log(`machine: ${JSON.stringify(machine())}`);
  log('the service, the bare server and the load generator share the same cores');
  const results = [];
  const skipped = [];
  const skip = (what, why) => {
    skipped.push({ what, why });
    console.log(`SKIPPED ${what}: ${why}`);
    log(`SKIPPED ${what}: ${why}`);
  };
  // What the PostgreSQL and cluster targets need, probed once up front.
  const wantPostgres = opt.only !== 'bare' && (DBS.includes('postgres') || opt.cluster !== 'off');
  const pgProblem = wantPostgres ? await postgresProblem() : null;
  const redisIssue = opt.only !== 'bare' && opt.cluster !== 'off' ? await redisProblem() : null;
  const clusterIssue = pgProblem ?? redisIssue;
  // Asked for explicitly: refuse before spending minutes on the other targets.
  if (opt.cluster === 'on' && clusterIssue) throw new Error(`--cluster on, but ${clusterIssue}`);
  if (opt.only !== 'service') {
    const srv = await startBare();
    log(`bare server on ${srv.url} (pid ${srv.child.pid})`);
    try {
      results.push({ ...(await load('bare', '–', srv, { idleViewers: '0' })) });
    } finally {
      await stop(srv.child);
    }
  }
  if (opt.only !== 'bare') {
    for (const db of DBS) {
      if (db === 'postgres' && pgProblem) {
        skip('the PostgreSQL target', pgProblem);
        continue;
      }
      results.push(await singleInstance(db));
    }
    if (opt.cluster !== 'off') {
      if (clusterIssue) skip('the cluster target', clusterIssue);
      else results.push(await clusterPair());
    }
  }
  const { ratios, targets } = verdicts(results);
  const out = {
    started,
    finished: new Date().toISOString(),
    revision: revision(),
    machine: machine(),
    options: opt,
    results,
    skipped,
    ratios,
    targets,
  };
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(out, null, 2));
  console.log(`\n${table(results)}\n`);
  for (const [db, byRuns] of Object.entries(ratios))
    for (const [n, r] of Object.entries(byRuns)) {
      console.log(`ratio service/bare [${db}] at ${n} runs: throughput ${pctText(r.throughput)}, ttfc p50 ×${f(r.ttfcP50, 1)}, RSS ×${f(r.rss, 1)}`);
    }
  for (const r of results) {
    if (!r.leak?.rounds.length) continue;
    console.log(
      `leak check ${r.target} [${r.db}]: RSS per round of ${r.leak.runsPerRound} runs: ${r.leak.rounds.map((x) => f(x.rssMb, 0)).join(' ')} MB (${f(r.leak.growthPct, 1)}%)`,
    );
    if (r.leak.gcRssGrowthPct !== null && r.leak.gcRssGrowthPct !== undefined) {
      console.log(
        `  after forced GC: RSS ${r.leak.rounds.map((x) => f(x.afterGc?.rssMb, 0)).join(' ')} MB (${f(r.leak.gcRssGrowthPct, 1)}%), heap used ${r.leak.rounds.map((x) => f(x.afterGc?.heapUsedMb, 0)).join(' ')} MB (${f(r.leak.gcHeapGrowthPct, 1)}%)`,
      );
    }
  }
  for (const r of results.filter((x) => x.idle)) {
    const i = r.idle;
    console.log(
      `idle viewers [${r.db}]: ${i.viewersConnected}/${i.viewersRequested} connected on ${i.runsParked}/${i.runs} parked runs in ${f(i.openMs / 1000, 1)} s, ${i.failures} failures; ` +
        `RSS ${f(i.rssParkedMb, 1)} MB with one viewer per run, ${f(i.rssRawMb, 1)} MB with all (after forced GC ${f(i.afterGc?.rssMb, 1)} MB); ${i.runsStopped}/${i.runsParked} runs stopped`,
    );
    for (const s of i.failureSamples) console.log(`  failure: ${s}`);
  }
  for (const s of skipped) console.log(`skipped ${s.what}: ${s.why}`);
  console.log('');
  for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.value}`);
  console.log(`\nwritten ${join(RESULTS, 'latest.json')}`);
}

const kill = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('SIGINT', () => (kill(), process.exit(130)));
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    kill();
    process.exit(1);
  },
);
