/**
 * Summarises a .cpuprofile (from `node bench/run.mjs --cpu-prof`): self time per function and per
 * package / source file, and inclusive time of the functions named on the command line.
 *
 * Usage: node bench/profile.mjs bench/results/prof/CPU.*.cpuprofile [--top 40] [--filter text]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, filter: { type: 'string', multiple: true, default: [] } },
});
const prof = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: timeDeltas[i] is the time before sample i.
const self = new Map();
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i + 1] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

function where(cf) {
  const url = cf.url || '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/')) return `dist/${url.split('/dist/')[1]}`;
  if (url.startsWith('node:')) return url;
  return url || `(${cf.functionName || 'native'})`;
}
const label = (cf) => `${cf.functionName || '(anonymous)'} ${where(cf)}:${cf.lineNumber + 1}`;

const byFn = new Map();
const byWhere = new Map();
for (const [id, t] of self) {
  const cf = nodes.get(id).callFrame;
  byFn.set(label(cf), (byFn.get(label(cf)) ?? 0) + t);
  byWhere.set(where(cf), (byWhere.get(where(cf)) ?? 0) + t);
}
const pct = (t) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
const top = Number(values.top);
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n\nself time by package / file:`);
for (const [k, t] of [...byWhere].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by function:');
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);

// Inclusive time: a sample counts for a function if it appears anywhere on the sample's stack.
if (values.filter.length) {
  console.log('\ninclusive time (sample has a frame matching):');
  for (const f of values.filter) {
    let t = 0;
    for (const [id, dt] of self) {
      for (let n = id; n !== undefined; n = parent.get(n)) {
        if (label(nodes.get(n).callFrame).includes(f)) {
          t += dt;
          break;
        }
      }
    }
    console.log(`${pct(t)}  ${f}`);
  }
}
