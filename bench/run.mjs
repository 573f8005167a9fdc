/**
 * The benchmark, in one invocation: starts the built service (node dist/src/main.js, fresh temp SQLite
 * database, LOG_LEVEL=warn) and the bare ws server, each as its own child process on a free port
 * of 127.0.0.1, then runs the load generator (bench/load.mjs, a third process) against the bare
 * server and then against the service, one target at a time. Prints a table, the ratios
 * service / bare, the targets met or missed, and writes bench/results/latest.json.
 *
 * Options: --runs 1,50,500  --chunks 1000  --rounds 10  --leak-runs 50  --reps1 10  --timeout 300
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

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const RESULTS = join(HERE, 'results');
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '1,50,500' },
    chunks: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '10' },
    'leak-runs': { type: 'string', default: '50' },
    reps1: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '300' },
    'cpu-prof': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);
const children = new Set();

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
    const text = String(d).replace(/^(Debugger listening on|For help, see|Debugger attached|Waiting for the debugger).*\n?/gm, '');
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

/** Polls `check` every 100 ms, at most `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

async function startService() {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('dist/src/main.js missing: run `npx nest build` (or npm run bench)');
  const port = await freePort();
  const dbDir = mkdtempSync(join(tmpdir(), 'teamstream-bench-'));
  // The inspector (127.0.0.1, random port) lets the load generator force a full GC before each
  // leak-check reading; no session is attached while rounds are measured.
  const args = ['--inspect=127.0.0.1:0'];
  if (opt['cpu-prof']) {
    mkdirSync(join(RESULTS, 'prof'), { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', join(RESULTS, 'prof'));
  }
  const child = start('service', [...args, 'dist/src/main.js'], {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dbDir, 'bench.db')}`,
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
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${child.output}`);
      return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
    },
    30_000,
    'the service health check',
  );
  const inspect = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(child.output)?.[1];
  return { child, url, inspect, cleanup: () => rmSync(dbDir, { recursive: true, force: true }) };
}

async function startBare() {
  const child = start('bare', [join(HERE, 'bare-server.mjs'), '--port', '0', '--chunks', opt.chunks]);
  await until(async () => /"port"/.test(child.output), 10_000, 'the bare server');
  const { port } = JSON.parse(child.output.split('\n').find((l) => l.includes('"port"')));
  return { child, url: `http://127.0.0.1:${port}`, cleanup: () => {} };
}

async function load(target, server) {
  const out = join(RESULTS, `.load-${target}.json`);
  rmSync(out, { force: true });
  const child = start(`load`, [
    join(HERE, 'load.mjs'),
    ...['--target', target, '--url', server.url, '--pid', String(server.child.pid), '--out', out],
    ...(server.inspect ? ['--inspect', server.inspect] : []),
    ...[
      '--runs',
      opt.runs,
      '--chunks',
      opt.chunks,
      '--rounds',
      opt.rounds,
      '--leak-runs',
      opt['leak-runs'],
      '--reps1',
      opt.reps1,
      '--timeout',
      opt.timeout,
    ],
  ]);
  const runsTotal = opt.runs.split(',').length + 1 + Number(opt.rounds);
  const limit = (Number(opt.timeout) + 120) * 1000 * runsTotal;
  const timer = setTimeout(() => child.kill('SIGKILL'), limit);
  const { code } = await child.exited;
  clearTimeout(timer);
  if (code !== 0 || !existsSync(out)) throw new Error(`load generator against ${target} failed (exit ${code})`);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  return result;
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
function table(results) {
  const lines = [];
  const head = ['target', 'runs', 'chunks/s', 'ttfc p50 ms', 'ttfc p99 ms', 'complete', 'errors', 'lost', 'RSS MB'];
  lines.push(head.join('\t'));
  for (const r of results)
    for (const row of r.rows) {
      lines.push(
        [
          r.target,
          row.reps > 1 ? `${row.runs} (×${row.reps})` : row.runs,
          f(row.chunksPerSec),
          f(row.ttfcP50Ms, 1),
          f(row.ttfcP99Ms, 1),
          `${row.completed}/${row.expected}`,
          row.errors,
          row.lostRuns,
          f(row.rssMb, 1),
        ].join('\t'),
      );
    }
  return lines.join('\n');
}

function verdicts(service, bare) {
  const svc = (n) => service?.rows.find((r) => r.runs === n);
  const base = (n) => bare?.rows.find((r) => r.runs === n);
  const ratios = {};
  for (const row of service?.rows ?? []) {
    const b = base(row.runs);
    if (b) ratios[row.runs] = { throughput: row.chunksPerSec / b.chunksPerSec, ttfcP50: row.ttfcP50Ms / b.ttfcP50Ms, rss: row.rssMb / b.rssMb };
  }
  const targets = [];
  if (svc(50) && base(50))
    targets.push({
      target: 'throughput at 50 runs ≥ 50% of bare',
      value: `${(ratios[50].throughput * 100).toFixed(1)}%`,
      met: ratios[50].throughput >= 0.5,
    });
  if (svc(1))
    targets.push({ target: 'time to first chunk p50 ≤ 20 ms at 1 run', value: `${f(svc(1).ttfcP50Ms, 1)} ms`, met: svc(1).ttfcP50Ms <= 20 });
  if (svc(500)) {
    const r = svc(500);
    targets.push({
      target: '500 concurrent runs: all complete, 0 errors, 0 lost frames',
      value: `${r.completed}/${r.expected} complete, ${r.errors} errors, ${r.lostRuns} runs with lost frames`,
      met: r.completed === r.expected && r.errors === 0 && r.lostRuns === 0,
    });
  }
  if (service?.leak.growthPct !== null && service?.leak.growthPct !== undefined) {
    const l = service.leak;
    const sign = (v) => `${v >= 0 ? '+' : ''}${f(v, 1)}%`;
    targets.push({
      target: `RSS after ${l.rounds.length} rounds within 10% of after round 1 (raw, as read)`,
      value: `${f(l.rounds[0].rssMb, 1)} → ${f(l.rounds.at(-1).rssMb, 1)} MB (${sign(l.growthPct)})`,
      met: Math.abs(l.growthPct) <= 10,
    });
    if (l.gcRssGrowthPct !== null) {
      const a = l.rounds[0].afterGc,
        b = l.rounds.at(-1).afterGc;
      targets.push({
        target: `RSS after ${l.rounds.length} rounds within 10% of after round 1 (after a forced full GC)`,
        value: `${f(a.rssMb, 1)} → ${f(b.rssMb, 1)} MB (${sign(l.gcRssGrowthPct)}); heap used ${f(a.heapUsedMb, 1)} → ${f(b.heapUsedMb, 1)} MB (${sign(l.gcHeapGrowthPct)})`,
        met: Math.abs(l.gcRssGrowthPct) <= 10,
      });
    }
  }
  return { ratios, targets };
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const started = new Date().toISOString();
  log(`machine: ${JSON.stringify(machine())}`);
  log('the service, the bare server and the load generator share the same cores');
  const results = [];
  let bare, service;
  if (opt.only !== 'service') {
    const srv = await startBare();
    log(`bare server on ${srv.url} (pid ${srv.child.pid})`);
    try {
      bare = await load('bare', srv);
      results.push(bare);
    } finally {
      await stop(srv.child);
    }
  }
  if (opt.only !== 'bare') {
    const srv = await startService();
    log(`service on ${srv.url} (pid ${srv.child.pid})${opt['cpu-prof'] ? ', profiling' : ''}`);
    try {
      service = await load('service', srv);
      results.push(service);
    } finally {
      await stop(srv.child, 30_000);
      srv.cleanup();
    }
  }
  const { ratios, targets } = verdicts(service, bare);
  const out = { started, finished: new Date().toISOString(), revision: revision(), machine: machine(), options: opt, results, ratios, targets };
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(out, null, 2));
  console.log(`\n${table(results)}\n`);
  for (const [n, r] of Object.entries(ratios)) {
    console.log(`ratio service/bare at ${n} runs: throughput ${(r.throughput * 100).toFixed(1)}%, ttfc p50 ×${f(r.ttfcP50, 1)}, RSS ×${f(r.rss, 1)}`);
  }
  for (const r of results) {
    console.log(
      `leak check ${r.target}: RSS per round of ${r.leak.runsPerRound} runs: ${r.leak.rounds.map((x) => f(x.rssMb, 0)).join(' ')} MB (${f(r.leak.growthPct, 1)}%)`,
    );
    if (r.leak.gcRssGrowthPct !== null && r.leak.gcRssGrowthPct !== undefined) {
      console.log(
        `  after forced GC: RSS ${r.leak.rounds.map((x) => f(x.afterGc?.rssMb, 0)).join(' ')} MB (${f(r.leak.gcRssGrowthPct, 1)}%), heap used ${r.leak.rounds.map((x) => f(x.afterGc?.heapUsedMb, 0)).join(' ')} MB (${f(r.leak.gcHeapGrowthPct, 1)}%)`,
      );
    }
  }
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
