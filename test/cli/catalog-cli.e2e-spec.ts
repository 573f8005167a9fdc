/**
 * `teamstream run` on the catalogue fixtures (GraphFlow, SocietyOfMindAgent, a team as a
 * participant, MagenticOne): the CLI loads them with the same loader as the server and runs them
 * to AgentChat's stop reasons. The CLI is bundled with esbuild, as src/cli/cli.spec.ts does.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../support/engine/fixtures.js';

const repo = process.cwd();
const outDir = path.join(repo, 'node_modules', '.cache', 'teamstream-catalog-cli', String(process.pid));
const bundle = path.join(outDir, 'main.mjs');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { OPENAI_API_KEY: _k, OPENAI_BASE_URL: _u, TOOLS_DIR: _t, ...env } = process.env;
    const child = spawn(process.execPath, [bundle, ...args], { cwd: repo, env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`teamstream ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await build({
    entryPoints: [path.join(repo, 'src/cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
}, 60_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('teamstream run on the catalogue fixtures', () => {
  it.each([
    ['catalog-graph-flow', ['publisher: Published: the sea is deep and blue.'], 'Digraph execution is complete'],
    ['catalog-society-of-mind', ['poet: Waves fold the light.', 'society: Waves fold the light.'], "Text 'TERMINATE' mentioned"],
    ['catalog-nested-team', ['critic1: Too long.', 'critic2: Agreed, shorten it.'], "Text 'TERMINATE' mentioned"],
    ['catalog-magentic-one', ['MagenticOneOrchestrator: The Eiffel Tower is 330 m tall.'], 'The height was found and written.'],
  ])('%s runs to its stop reason', async (name, lines, stop) => {
    const { code, stdout, stderr } = await cli(['run', path.join(FIXTURES_DIR, `${name}.json`), '--task', 'Go.']);
    expect(stderr).toBe('');
    for (const line of lines) expect(stdout).toContain(line);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`[stop] ${stop}`);
    expect(code).toBe(0);
  });
});
