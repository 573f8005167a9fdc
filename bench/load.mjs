/**
 * The load generator, in its own process. Against one target (the service or the bare server) it
 * runs rounds of N concurrent runs: creates the runs over REST (service only, not timed), opens N
 * sockets and waits for `system/connected` on each, sends every `start` at once, and follows each
 * run to its terminal frame, checking every frame as it arrives (seq 1..last with no gap and no
 * duplicate, exactly K chunks with the expected contents, the final message, `result` complete).
 * After each round it reads the target process's VmRSS from /proc.
 *
 * With --viewer-url (cluster mode: a second instance of the service) every run also gets a viewer
 * on that instance, connected before `start`; both viewers' frames are checked, and for each frame
 * the arrival at the second viewer minus the arrival at the first (same process, same clock) is
 * the cross-instance added latency, in ms.
 *
 * With --idle-viewers V --idle-runs R (service only), after the rounds: R human-in-the-loop runs
 * parked at their input prompt, V sockets in all watching them, the server's RSS read with all of
 * them connected and idle (as read, and after a forced full GC), then the viewers closed and the
 * runs stopped.
 *
 * Usage: node bench/load.mjs --target service|bare --url http://127.0.0.1:PORT --pid PID
 *          [--runs 1,50,500,1000] [--chunks 1000] [--reps1 10] [--rounds 10] [--leak-runs 50]
 *          [--timeout 300] [--viewer-url http://127.0.0.1:PORT2 --viewer-pid PID2]
 *          [--idle-viewers 10000 --idle-runs 100] --out result.json
 * Only 127.0.0.1 is ever contacted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { chunkContents, IDLE_TASK, idleTeam, replyText, scaledTeam, TASK } from './workload.mjs';

const { values: opt } = parseArgs({
  options: {
    target: { type: 'string' },
    url: { type: 'string' },
    pid: { type: 'string' },
    runs: { type: 'string', default: '1,50,500,1000' },
    chunks: { type: 'string', default: '1000' },
    reps1: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '10' },
    'leak-runs': { type: 'string', default: '50' },
    timeout: { type: 'string', default: '300' },
    inspect: { type: 'string' },
    'viewer-url': { type: 'string' },
    'viewer-pid': { type: 'string' },
    'idle-viewers': { type: 'string', default: '0' },
    'idle-runs': { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
const BASE = opt.url;
const VIEWER_BASE = opt['viewer-url'] ?? null;
for (const url of [BASE, VIEWER_BASE ?? BASE])
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`--url and --viewer-url must be http://127.0.0.1:<port>, got ${url}`);
const K = Number(opt.chunks);
const CONTENTS = chunkContents(replyText(K));
const TEAM = scaledTeam(K);
const ROUND_TIMEOUT_MS = Number(opt.timeout) * 1000;
const CONNECT_TIMEOUT_MS = 30_000;
const USER = 'guestuser@gmail.com';
const log = (...a) => process.stderr.write(`[load ${opt.target}] ${a.join(' ')}\n`);

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * With --inspect URL (the service started with --inspect=127.0.0.1:0): forces a full garbage
 * collection in the target over the inspector protocol and returns its process.memoryUsage(),
 * so the leak check compares live memory rather than where the GC happened to be.
 */
async function collectGarbage() {
  if (!opt.inspect) return null;
  const ws = new WebSocket(opt.inspect);
  let id = 0;
  const pending = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    pending.get(m.id)?.(m);
  });
  const call = (method, params = {}) =>
    withTimeout(new Promise((resolve) => (pending.set(++id, resolve), ws.send(JSON.stringify({ id, method, params })))), 30_000, method);
  try {
    await withTimeout(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))), 10_000, 'inspector');
    await call('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 200));
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const mem = JSON.parse(r.result.result.value);
    return { rssMb: rssMb(opt.pid), heapUsedMb: mem.heapUsed / 2 ** 20, externalMb: mem.external / 2 ** 20 };
  } finally {
    ws.close();
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms))),
  ]);
}

async function post(path, body) {
  const res = await withTimeout(
    fetch(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    30_000,
    `POST ${path}`,
  );
  const json = await res.json();
  if (!res.ok || !json.status) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json.data;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

let teamId = null;
let bareRunId = 0;
/** N run ids: over REST for the service (one session per round), made up for the bare server. */
async function createRuns(n) {
  if (opt.target === 'bare') return Array.from({ length: n }, () => ++bareRunId);
  if (teamId === null) teamId = (await post('/api/teams/', { user_id: USER, component: TEAM })).id;
  const session = await post('/api/sessions/', { user_id: USER, team_id: teamId, name: `bench ${n}` });
  return pool(Array.from({ length: n }), 16, async () => (await post('/api/runs/', { user_id: USER, session_id: session.id })).run_id);
}

/** One run's socket and the checks made on its frames as they arrive. */
class RunClient {
  /** `base`: the instance to connect to; `timed`: keep each frame's arrival time by seq (cluster mode). */
  constructor(runId, base = BASE, timed = false) {
    this.runId = runId;
    this.base = base;
    this.arrivals = timed ? new Float64Array(K + 4) : null;
    this.lastSeq = 0;
    this.chunks = 0;
    this.gaps = 0;
    this.dups = 0;
    this.badChunks = 0;
    this.errors = [];
    this.tStart = null;
    this.tFirstChunk = null;
    this.tEnd = null;
    this.finalOk = false;
    this.fullMessageId = null;
    this.terminal = null;
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  open() {
    const ws = (this.ws = new WebSocket(`${this.base.replace('http', 'ws')}/api/ws/runs/${this.runId}?token=null`, { perMessageDeflate: false }));
    const connected = new Promise((resolve, reject) => {
      this.onConnected = resolve;
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed ${code} before connected`)));
    });
    ws.on('message', (data) => this.onFrame(data));
    ws.on('error', (err) => this.fail(`socket error: ${err.message}`));
    ws.on('close', (code) => {
      if (!this.terminal) this.fail(`socket closed (${code}) before the terminal frame`);
    });
    return withTimeout(connected, CONNECT_TIMEOUT_MS, `run ${this.runId} connected`);
  }

  start() {
    this.tStart = performance.now();
    this.ws.send(JSON.stringify({ type: 'start', task: TASK, team_config: TEAM }));
  }

  fail(why) {
    this.errors.push(why);
    if (this.tEnd === null) this.tEnd = performance.now();
    this.finish();
  }

  onFrame(data) {
    const now = performance.now();
    let f;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return this.errors.push('non-JSON frame');
    }
    if (f.type === 'system') return f.status === 'connected' ? this.onConnected?.() : undefined;
    if (f.type === 'error') return this.fail(`error frame: ${f.error}`);
    if (typeof f.seq !== 'number') return this.errors.push(`frame without seq: ${f.type}`);
    if (f.run_id !== this.runId) this.errors.push(`run_id ${f.run_id} on run ${this.runId}`);
    if (f.seq <= this.lastSeq) return void this.dups++;
    if (f.seq !== this.lastSeq + 1) this.gaps += f.seq - this.lastSeq - 1;
    this.lastSeq = f.seq;
    if (this.arrivals && f.seq < this.arrivals.length) this.arrivals[f.seq] = now;
    if (this.terminal) return this.errors.push(`frame after terminal: ${f.type}`);
    switch (f.type) {
      case 'message_chunk':
        if (this.tFirstChunk === null) this.tFirstChunk = now;
        if (f.data?.content !== CONTENTS[this.chunks]) this.badChunks++;
        if (this.fullMessageId === null) this.fullMessageId = f.data?.full_message_id;
        else if (f.data?.full_message_id !== this.fullMessageId) this.badChunks++;
        this.chunks++;
        break;
      case 'message':
        if (f.data?.source === 'assistant_agent') this.finalOk = f.data.id === this.fullMessageId && f.data.content === replyText(K);
        break;
      case 'result':
      case 'completion':
        this.terminal = f;
        this.tEnd = now;
        if (f.type !== 'result' || f.status !== 'complete') this.errors.push(`terminal ${f.type}/${f.status}`);
        this.finish();
        break;
      default:
        this.errors.push(`unexpected frame ${f.type}`);
    }
  }

  /** Frames lost or duplicated, or wrong: this run's integrity verdict. */
  lost() {
    const expectedLast = K + 3; // echo, K chunks, final message, result
    const problems = [];
    if (this.gaps) problems.push(`${this.gaps} seq gaps`);
    if (this.dups) problems.push(`${this.dups} duplicate seqs`);
    if (this.chunks !== K) problems.push(`${this.chunks} chunks, expected ${K}`);
    if (this.badChunks) problems.push(`${this.badChunks} chunks with wrong content/full_message_id`);
    if (this.terminal && this.lastSeq !== expectedLast) problems.push(`last seq ${this.lastSeq}, expected ${expectedLast}`);
    if (this.terminal && !this.finalOk) problems.push('final message missing or not matching its chunks');
    return problems;
  }

  async close() {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await withTimeout(closed, 10_000, 'close').catch(() => this.ws.terminate());
  }
}

/**
 * A socket on a human-in-the-loop run for the idle-viewer phase: resolves `replayed` once it has
 * `system/connected` and a frame at or past `untilSeq` (its replay is done), and `waitFor(pred)`
 * on a later frame. Frames are parsed but not kept.
 */
class IdleViewer {
  constructor(runId, untilSeq = Infinity) {
    this.runId = runId;
    this.untilSeq = untilSeq;
    this.lastSeq = 0;
    this.errors = [];
    this.waiters = new Set();
  }

  /** Resolves when connected and (with `untilSeq`) replayed; rejects on close, error or CONNECT_TIMEOUT_MS. */
  open() {
    const ws = (this.ws = new WebSocket(`${BASE.replace('http', 'ws')}/api/ws/runs/${this.runId}?token=null`, { perMessageDeflate: false }));
    ws.on('message', (data) => {
      let f;
      try {
        f = JSON.parse(data.toString());
      } catch {
        return this.errors.push('non-JSON frame');
      }
      if (f.type === 'error') this.errors.push(`error frame: ${f.error}`);
      if (typeof f.seq === 'number') this.lastSeq = Math.max(this.lastSeq, f.seq);
      for (const w of this.waiters) w(f);
    });
    ws.on('error', (err) => this.errors.push(`socket error: ${err.message}`));
    const ready = this.waitFor((f) => f.type === 'system' && f.status === 'connected', CONNECT_TIMEOUT_MS, 'connected').then(() =>
      this.untilSeq === Infinity || this.lastSeq >= this.untilSeq
        ? undefined
        : this.waitFor(() => this.lastSeq >= this.untilSeq, CONNECT_TIMEOUT_MS, `replay to seq ${this.untilSeq}`),
    );
    return ready;
  }

  /** The first frame from now on for which `pred` holds; rejects on timeout or when the socket closes first. */
  waitFor(pred, ms, what) {
    let waiter, onClose;
    return withTimeout(
      new Promise((resolve, reject) => {
        waiter = (f) => pred(f) && resolve(f);
        onClose = (code) => reject(new Error(`closed ${code} before ${what}`));
        this.waiters.add(waiter);
        this.ws.once('close', onClose);
      }),
      ms,
      `run ${this.runId}: ${what}`,
    ).finally(() => (this.waiters.delete(waiter), this.ws.off('close', onClose)));
  }

  async close() {
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await withTimeout(closed, 10_000, 'close').catch(() => this.ws.terminate());
  }
}

/**
 * The idle-viewer phase: `runs` human-in-the-loop runs, each started from its first socket and
 * followed to its `input_request` (the run then waits, live and silent); then `viewers / runs − 1`
 * more sockets per run (at most 200 opening at once), each waiting for `system/connected` and its
 * replay up to that input request. With all connected and idle the server's RSS is read as is,
 * then after a forced full GC. Then every extra socket is closed and each run is stopped (`stop`
 * on its first socket, waiting for its terminal frame, 30 s at most).
 * Returns counts, failures (with up to 5 samples) and RSS in MB.
 */
async function idlePhase(viewers, runs) {
  const perRun = Math.max(1, Math.floor(viewers / runs));
  const failures = [];
  const failed = (what) => (e) => (failures.push(`${what}: ${e.message}`), false);
  const team = idleTeam();
  const idleTeamId = (await post('/api/teams/', { user_id: USER, component: team })).id;
  const session = await post('/api/sessions/', { user_id: USER, team_id: idleTeamId, name: 'bench idle viewers' });
  const ids = await pool(Array.from({ length: runs }), 16, async () => (await post('/api/runs/', { user_id: USER, session_id: session.id })).run_id);
  const t0 = performance.now();
  const owners = ids.map((id) => new IdleViewer(id));
  // The prompt must outlive the phase: the run's input timeout is set well past it.
  const parked = await pool(owners, 50, async (v) => {
    try {
      await v.open();
      const prompt = v.waitFor((f) => f.type === 'input_request', 60_000, 'input_request');
      v.ws.send(JSON.stringify({ type: 'start', task: IDLE_TASK, team_config: team, input_timeout_s: 3600 }));
      v.inputSeq = (await prompt).seq;
      return true;
    } catch (e) {
      return failed(`run ${v.runId} first viewer`)(e);
    }
  });
  const live = owners.filter((_, i) => parked[i]);
  const rssParkedMb = rssMb(opt.pid);
  const extra = live.flatMap((o) => Array.from({ length: perRun - 1 }, () => new IdleViewer(o.runId, o.inputSeq)));
  const opened = await pool(extra, 200, (v) => v.open().then(() => true, failed(`run ${v.runId} viewer`)));
  const openMs = performance.now() - t0;
  const connected = live.length + opened.filter(Boolean).length;
  const rssRawMb = rssMb(opt.pid);
  const afterGc = await collectGarbage().catch((e) => (log(`forced GC failed: ${e.message}`), null));
  log(
    `idle viewers: ${connected}/${runs * perRun} connected on ${live.length}/${runs} parked runs in ${(openMs / 1000).toFixed(1)} s, ` +
      `RSS ${rssRawMb?.toFixed(1)} MB` +
      (afterGc ? `, after forced GC ${afterGc.rssMb.toFixed(1)} MB (heap used ${afterGc.heapUsedMb.toFixed(1)} MB)` : '') +
      `, ${failures.length} failures`,
  );
  await pool(extra, 500, (v) => v.close());
  const stopped = await pool(live, 50, async (v) => {
    try {
      const end = v.waitFor((f) => f.type === 'completion' || f.type === 'result', 30_000, 'terminal frame after stop');
      v.ws.send(JSON.stringify({ type: 'stop', reason: 'bench idle phase over' }));
      await end;
      return true;
    } catch (e) {
      return failed(`run ${v.runId} stop`)(e);
    }
  });
  await pool(owners, 100, (v) => v.close());
  const errorFrames = [...owners, ...extra].filter((v) => v.errors.length > 0);
  for (const v of errorFrames.slice(0, 5)) failures.push(`run ${v.runId}: ${v.errors.slice(0, 2).join('; ')}`);
  return {
    viewersRequested: runs * perRun,
    viewersConnected: connected,
    runs,
    runsParked: live.length,
    runsStopped: stopped.filter(Boolean).length,
    failures: failures.length,
    failureSamples: failures.slice(0, 5),
    openMs: Math.round(openMs),
    rssParkedMb,
    rssRawMb,
    afterGc,
    rssAfterMb: rssMb(opt.pid),
  };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One round: N concurrent runs started at once. In cluster mode (--viewer-url) each run also has a
 * viewer on the other instance, connected before `start`; a run counts as complete only when both
 * viewers got every frame, and as errored or lossy when either did not.
 */
async function round(n) {
  const ids = await createRuns(n);
  const clients = ids.map((id) => new RunClient(id, BASE, VIEWER_BASE !== null));
  const peers = VIEWER_BASE ? ids.map((id) => new RunClient(id, VIEWER_BASE, true)) : [];
  await pool([...clients, ...peers], 100, (c) => c.open().catch((e) => c.fail(e.message)));
  const ready = clients.filter((c, i) => c.errors.length === 0 && (!peers[i] || peers[i].errors.length === 0));
  for (const c of ready) c.start();
  const t0 = Math.min(...ready.map((c) => c.tStart));
  const following = [...ready, ...peers.filter((p) => p.errors.length === 0)];
  await withTimeout(Promise.all(following.map((c) => c.done)), ROUND_TIMEOUT_MS, `round of ${n}`).catch((e) => {
    for (const c of following) if (!c.terminal) c.fail(e.message);
  });
  const t1 = Math.max(...ready.map((c) => c.tEnd ?? performance.now()));
  await pool([...clients, ...peers], 100, (c) => c.close());
  const bad = (pick) => clients.filter((c, i) => pick(c) || (peers[i] && pick(peers[i])));
  const runsWithLoss = bad((c) => c.lost().length > 0);
  const runsWithErrors = bad((c) => c.errors.length > 0);
  const ok = (c) => c.terminal?.type === 'result' && c.errors.length === 0;
  // Cross-instance added latency: per frame (seq), arrival at the viewer on the other instance
  // minus arrival at the viewer on the run's owner.
  const cross = [];
  peers.forEach((p, i) => {
    const a = clients[i].arrivals;
    for (let seq = 1; seq < a.length; seq++) if (a[seq] > 0 && p.arrivals[seq] > 0) cross.push(p.arrivals[seq] - a[seq]);
  });
  const describe = (c) => ({ run: c.runId, viewer: c.base, errors: c.errors.slice(0, 3), lost: c.lost() });
  return {
    n,
    wallMs: t1 - t0,
    chunks: clients.reduce((s, c) => s + c.chunks, 0),
    ttfc: clients.filter((c) => c.tFirstChunk !== null).map((c) => c.tFirstChunk - c.tStart),
    completed: clients.filter((c, i) => ok(c) && (!peers[i] || ok(peers[i]))).length,
    errors: runsWithErrors.length,
    lostRuns: runsWithLoss.length,
    cross,
    samples: [...clients, ...peers]
      .filter((c) => c.errors.length > 0 || c.lost().length > 0)
      .slice(0, 5)
      .map(describe),
    rssMb: rssMb(opt.pid),
    viewerRssMb: opt['viewer-pid'] ? rssMb(opt['viewer-pid']) : undefined,
  };
}

/** `reps` sequential rounds of N, merged into one row. */
async function measure(n, reps) {
  const rows = [];
  for (let i = 0; i < reps; i++) rows.push(await round(n));
  const ttfc = rows.flatMap((r) => r.ttfc).sort((a, b) => a - b);
  const wallMs = rows.reduce((s, r) => s + r.wallMs, 0);
  const chunks = rows.reduce((s, r) => s + r.chunks, 0);
  const row = {
    runs: n,
    reps,
    chunks,
    wallMs: Math.round(wallMs),
    chunksPerSec: Math.round((chunks / wallMs) * 1000),
    ttfcP50Ms: pct(ttfc, 50),
    ttfcP99Ms: pct(ttfc, 99),
    completed: rows.reduce((s, r) => s + r.completed, 0),
    expected: n * reps,
    errors: rows.reduce((s, r) => s + r.errors, 0),
    lostRuns: rows.reduce((s, r) => s + r.lostRuns, 0),
    samples: rows.flatMap((r) => r.samples).slice(0, 5),
    rssMb: rows.at(-1).rssMb,
  };
  if (VIEWER_BASE) {
    const cross = Float64Array.from(rows.flatMap((r) => r.cross)).sort();
    Object.assign(row, { crossFrames: cross.length, crossP50Ms: pct(cross, 50), crossP99Ms: pct(cross, 99), viewerRssMb: rows.at(-1).viewerRssMb });
  }
  log(
    `N=${n}×${reps}: ${row.chunksPerSec} chunks/s, ttfc p50 ${row.ttfcP50Ms?.toFixed(1)} ms p99 ${row.ttfcP99Ms?.toFixed(1)} ms, ` +
      `${row.completed}/${row.expected} complete, ${row.errors} errors, ${row.lostRuns} runs with lost frames, RSS ${row.rssMb?.toFixed(1)} MB` +
      (VIEWER_BASE
        ? `, cross-instance added latency p50 ${row.crossP50Ms?.toFixed(2)} ms p99 ${row.crossP99Ms?.toFixed(2)} ms over ${row.crossFrames} frames`
        : ''),
  );
  for (const s of row.samples) log(`  sample: ${JSON.stringify(s)}`);
  return row;
}

const result = { target: opt.target, chunksPerRun: K, rssIdleMb: rssMb(opt.pid) };
await round(1); // warm-up, not reported: JIT and the first database pages
result.rssAfterWarmupMb = rssMb(opt.pid);
result.rows = [];
for (const n of opt.runs.split(',').map(Number)) result.rows.push(await measure(n, n === 1 ? Number(opt.reps1) : 1));
const leakRuns = Number(opt['leak-runs']);
const leak = [];
for (let i = 0; i < Number(opt.rounds); i++) {
  const r = await round(leakRuns);
  const gc = await collectGarbage().catch((e) => (log(`forced GC failed: ${e.message}`), null));
  leak.push({
    round: i + 1,
    rssMb: r.rssMb,
    afterGc: gc,
    completed: r.completed,
    errors: r.errors,
    lostRuns: r.lostRuns,
    chunksPerSec: Math.round((r.chunks / r.wallMs) * 1000),
  });
  log(
    `leak round ${i + 1}/${opt.rounds} (${leakRuns} runs): RSS ${r.rssMb?.toFixed(1)} MB` +
      (gc ? `, after forced GC: RSS ${gc.rssMb.toFixed(1)} MB, heap used ${gc.heapUsedMb.toFixed(1)} MB` : '') +
      `, ${r.completed}/${leakRuns} complete`,
  );
}
const growth = (pick) => (leak.length > 1 && pick(leak[0]) && pick(leak.at(-1)) ? ((pick(leak.at(-1)) - pick(leak[0])) / pick(leak[0])) * 100 : null);
result.leak = {
  runsPerRound: leakRuns,
  rounds: leak,
  growthPct: growth((x) => x.rssMb),
  gcRssGrowthPct: growth((x) => x.afterGc?.rssMb),
  gcHeapGrowthPct: growth((x) => x.afterGc?.heapUsedMb),
};
const idleViewers = Number(opt['idle-viewers']);
if (idleViewers > 0 && opt.target !== 'bare') result.idle = await idlePhase(idleViewers, Number(opt['idle-runs']));
writeFileSync(opt.out, JSON.stringify(result, null, 2));
process.exit(0);
