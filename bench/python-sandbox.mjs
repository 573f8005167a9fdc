/**
 * The Python sandbox, measured (issue "Python tools", part 4) from the built engine (dist/):
 *   1. cold start of one sandbox process (spawn → first reply), --cold samples, one after another;
 *   2. warm call latency of AGS's `calculator` run from its Python source, --calls sequential
 *      calls in one run, p50 / p99;
 *   3. --runs concurrent runs (driveTeam, a replay model) of --users users (round robin), each
 *      calling the Python calculator --per-run times: wall time, calls/s, errors and their texts;
 *   4. memory of a pool process (bwrap and node together, from smaps_rollup: RSS, PSS, private)
 *      after its first call, after the 1000 calls of step 2, and of each process left after step 3.
 * Prints a table and the targets met or missed; writes bench/results/python-latest.json.
 *
 * Build first: `npx nest build` (the same dist/ `npm run bench` builds), then
 *   node bench/python-sandbox.mjs [--pool 2] [--calls 1000] [--runs 20] [--per-run 3] [--cold 3] [--users 20]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const { values: opt } = parseArgs({
  options: {
    pool: { type: 'string', default: '2' },
    calls: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '20' },
    'per-run': { type: 'string', default: '3' },
    cold: { type: 'string', default: '3' },
    // Users the concurrent runs belong to, round robin (PYTHON_MAX_PROCESSES_PER_USER holds per user).
    users: { type: 'string', default: '20' },
  },
});
const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);
const entry = join(ROOT, 'dist', 'src', 'engine', 'index.js');
if (!existsSync(entry)) {
  log('dist/src/engine/index.js is missing: run `npx nest build` first');
  process.exit(2);
}
const engine = await import(pathToFileURL(entry).href);
const { PythonSandbox, ToolRegistry, loadComponent, loadTeam, driveTeam, runAsSandboxOwner } = engine;

const gallery = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'ags-default-gallery.json'), 'utf8'));
const calculatorComponent = gallery.components.tools.find((t) => t.config.name === 'calculator');
const settings = { poolSize: Number(opt.pool), timeoutMs: 30_000, memoryMb: 256, maxOutputChars: 50_000 };

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const ms = (n) => Math.round(n * 100) / 100;
/** The pids of a process and all below it (the spawned process is bwrap; node runs below it). */
function tree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone
  }
  return [pid, ...children.flatMap(tree)];
}
/**
 * Memory of one pool process with everything below it, in MB, from /proc/<pid>/smaps_rollup:
 * RSS (what the target names), PSS (shared pages split among their sharers: the Node
 * binary's text is shared by every Node process, the server's included) and private (this
 * process's alone: what one more process costs).
 */
function memoryMb(pid) {
  const sum = { rss: 0, pss: 0, private: 0 };
  for (const p of tree(pid)) {
    let roll;
    try {
      roll = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
    } catch {
      return undefined; // a process of an ended run, being killed
    }
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(roll)?.[1] ?? 0);
    sum.rss += kb('Rss');
    sum.pss += kb('Pss');
    sum.private += kb('Private_Clean') + kb('Private_Dirty');
  }
  return { rss: Math.round(sum.rss / 1024), pss: Math.round(sum.pss / 1024), private: Math.round(sum.private / 1024) };
}
const fmt = (list) => list.map((m) => `${m.rss} (${m.pss} / ${m.private})`).join(', ');

// 1. Cold start: a fresh single-process sandbox, timed to its first reply (a trivial call).
const cold = [];
/** The process's memory right after its first call, each cold start. */
const firstCall = [];
for (let i = 0; i < Number(opt.cold); i++) {
  const sandbox = new PythonSandbox({ ...settings, poolSize: 1 });
  const t0 = performance.now();
  await sandbox.callFunction(
    { toolKey: 'k', imports: '', source: 'def ping() -> str:\n    return "pong"\n', function: 'ping', args: {} },
    { signal: new AbortController().signal },
  );
  cold.push(performance.now() - t0);
  // The process that answered is the one the call's run holds (the pool starts a new spare beside it).
  firstCall.push(memoryMb(sandbox.pids()[0]));
  await sandbox.close();
  log(`cold start ${i + 1}: ${Math.round(cold[i])} ms`);
}

// 2. Warm calls: the gallery's calculator, from its own source (no registered tool of its name).
const sandbox = new PythonSandbox(settings);
const ctx = { tools: new ToolRegistry(), credentials: {}, python: sandbox };
const calculator = loadComponent(calculatorComponent, ctx, 'tool');
sandbox.warm();
const run = new AbortController();
const first = await calculator.run({ a: 1, b: 2, operator: '+' }, { signal: run.signal });
if (first.content !== '3.0') throw new Error(`calculator answered ${JSON.stringify(first)}`);
const warm = [];
for (let i = 0; i < Number(opt.calls); i++) {
  const t0 = performance.now();
  const result = await calculator.run({ a: i, b: 3, operator: '*' }, { signal: run.signal });
  warm.push(performance.now() - t0);
  if (result.isError || result.content !== `${(i * 3).toFixed(1)}`) throw new Error(`call ${i}: ${JSON.stringify(result)}`);
}
// The run's own process after its 1000 calls (before the run ends and it is killed).
const afterCalls = memoryMb(sandbox.pids()[0]);
run.abort('Run ended');
warm.sort((a, b) => a - b);
log(`warm calls: p50 ${ms(percentile(warm, 50))} ms, p99 ${ms(percentile(warm, 99))} ms`);

// 3. Concurrent runs through the run driver, each calling the Python calculator --per-run times.
const perRun = Number(opt['per-run']);
const call = (i) => ({ id: `call_${i}`, name: 'calculator', arguments: JSON.stringify({ a: i, b: 2, operator: '+' }) });
const usage = { prompt_tokens: 1, completion_tokens: 1 };
const teamConfig = {
  provider: 'autogen_agentchat.teams.RoundRobinGroupChat',
  config: {
    participants: [
      {
        provider: 'autogen_agentchat.agents.AssistantAgent',
        config: {
          name: 'calc',
          model_client: {
            provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
            config: {
              chat_completions: [
                ...Array.from({ length: perRun }, (_, i) => ({ finish_reason: 'function_calls', content: [call(i)], usage, cached: false })),
                'Done. TERMINATE',
              ],
            },
          },
          workbench: [{ provider: 'autogen_core.tools.StaticWorkbench', config: { tools: [calculatorComponent] } }],
          max_tool_iterations: perRun,
        },
      },
    ],
    termination_condition: { provider: 'autogen_agentchat.conditions.TextMentionTermination', config: { text: 'TERMINATE' } },
  },
};
const runs = Number(opt.runs);
let errors = 0;
let complete = 0;
let toolResults = 0;
const t0 = performance.now();
const users = Number(opt.users);
/** Each distinct error text, with how often it came. */
const errorTexts = {};
const noteError = (text) => (errorTexts[text] = (errorTexts[text] ?? 0) + 1);
await Promise.all(
  Array.from({ length: runs }, (_, i) =>
    // As the live-run registry does for a run of a signed-in user.
    runAsSandboxOwner(`user-${i % users}`, async () => {
      for await (const event of driveTeam(() => loadTeam(teamConfig, ctx), 'Add.', {})) {
        if (event.type === 'message' && event.message.type === 'ToolCallExecutionEvent') {
          for (const r of event.message.content) {
            toolResults += 1;
            if (r.is_error) {
              errors += 1;
              noteError(String(r.content).slice(0, 200));
            }
          }
        }
        if (event.type === 'outcome') {
          if (event.outcome.status === 'complete') complete += 1;
          else {
            errors += 1;
            noteError(`run ${event.outcome.status}`);
          }
        }
      }
    }),
  ),
);
const wall = performance.now() - t0;
// What is left: the spares, and processes of runs still being ended.
const afterRuns = sandbox.pids().map(memoryMb).filter(Boolean);
log(`${runs} concurrent runs of ${users} users: ${complete} complete, ${errors} errors, ${toolResults} tool results in ${Math.round(wall)} ms`);
for (const [text, count] of Object.entries(errorTexts)) log(`  ${count} × ${text}`);
await sandbox.close();

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
const result = {
  commit,
  node: process.version,
  cpus: cpus().length,
  memGb: Math.round(totalmem() / 1e9),
  pool: settings.poolSize,
  coldStartMs: cold.map(Math.round),
  warm: { calls: warm.length, p50: ms(percentile(warm, 50)), p99: ms(percentile(warm, 99)) },
  concurrent: {
    runs,
    users,
    callsPerRun: perRun,
    complete,
    errors,
    errorTexts,
    toolResults,
    wallMs: Math.round(wall),
    callsPerSecond: Math.round((toolResults / wall) * 1000),
  },
  // Each: { rss, pss, private } in MB, of bwrap and node together.
  memoryMb: { afterFirstCall: firstCall, afterWarmCalls: afterCalls, afterConcurrentRuns: afterRuns },
};
mkdirSync(join(HERE, 'results'), { recursive: true });
writeFileSync(join(HERE, 'results', 'python-latest.json'), `${JSON.stringify(result, null, 2)}\n`);

const verdict = (ok) => (ok ? 'met' : 'MISSED');
console.log(`| measure | value | target |
|---|---|---|
| cold start, one process (ms) | ${result.coldStartMs.join(' / ')} | — |
| warm calculator call p50 / p99 (ms, ${warm.length} calls) | ${result.warm.p50} / ${result.warm.p99} | p50 ≤ 5: ${verdict(result.warm.p50 <= 5)} |
| ${runs} concurrent runs of ${users} users × ${perRun} calls: complete, errors, wall (ms) | ${complete}/${runs}, ${errors}, ${result.concurrent.wallMs} | 0 errors: ${verdict(errors === 0 && complete === runs)} |
| RSS (PSS / private) per process after its first call (MB) | ${fmt(firstCall)} | ≤ 150 |
| RSS (PSS / private) of the run's process after ${warm.length} calls (MB) | ${fmt([afterCalls])} | ≤ 150 |
| RSS (PSS / private) of each process after the runs (MB) | ${fmt(afterRuns)} | ≤ 150 |
| RSS target | max ${Math.max(...[...firstCall, afterCalls, ...afterRuns].map((m) => m.rss))} MB | ≤ 150: ${verdict(Math.max(...[...firstCall, afterCalls, ...afterRuns].map((m) => m.rss)) <= 150)} |`);
