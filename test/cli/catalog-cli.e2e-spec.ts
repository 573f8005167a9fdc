/**
 * `teamstream run` on the catalogue fixtures (GraphFlow, SocietyOfMindAgent, a team as a
 * participant, MagenticOne): the CLI loads them with the same loader as the server and runs them
 * to AgentChat's stop reasons. The CLI is bundled with esbuild, as src/cli/cli.spec.ts does.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundledCli } from '../support/cli.js';
import { FIXTURES_DIR } from '../support/engine/fixtures.js';

let bundled: BundledCli;
const cli = (args: string[]) => bundled.run(args, { timeoutMs: 45_000 });

beforeAll(async () => {
  bundled = await BundledCli.build('teamstream-catalog-cli');
}, 60_000);

afterAll(() => bundled?.remove());

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
