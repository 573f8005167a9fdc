/**
 * `teamstream run` on the catalogue fixtures (test/fixtures/teams/catalog-ext-*.json), in
 * process through runCommand (the same loader and run driver the server uses): the Ollama team
 * against a local fake of Ollama's chat API, allowed by EGRESS_ALLOW, and refused without it;
 * the memory team printing its memory and next-speaker events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../../test/fakes/ollama-server.js';
import { FIXTURES_DIR, readFixture } from '../../test/support/engine/fixtures.js';
import { runCommand } from './run-command.js';

let scratch: string;
let ollama: OllamaServer | undefined;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'teamstream-catalog-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(async () => {
  await ollama?.close();
  ollama = undefined;
});

async function cli(teamFile: string, task: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  const code = await runCommand({ teamFile, task, env, stdin, stdout, stderr, onInterrupt: () => () => undefined });
  stdin.end();
  return { code, stdout: out, stderr: err };
}

describe('teamstream run (catalogue fixtures)', () => {
  it('runs the Ollama team against the fake server when EGRESS_ALLOW allows it', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'Hello from llama. TERMINATE', evalCount: 6 }]);
    const file = path.join(scratch, 'ollama.json');
    writeFileSync(file, JSON.stringify(readFixture('catalog-ext-ollama')).replaceAll('http://127.0.0.1:11434', ollama.host));
    const { code, stdout, stderr } = await cli(file, 'Say hello.', { EGRESS_ALLOW: '127.0.0.1' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('local_assistant: Hello from llama. TERMINATE');
    expect(stdout).toContain("[stop] Text 'TERMINATE' mentioned");
  }, 30_000);

  it('fails the Ollama team with the egress refusal when the operator has not allowed loopback', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'never' }]);
    const file = path.join(scratch, 'ollama-refused.json');
    writeFileSync(file, JSON.stringify(readFixture('catalog-ext-ollama')).replaceAll('http://127.0.0.1:11434', ollama.host));
    const { code, stderr } = await cli(file, 'Say hello.', {});
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Refused by the egress policy: .*loopback/);
    expect(ollama.requests).toHaveLength(0);
  }, 30_000);

  it('prints the memory and next-speaker events of the memory team, and its stop reason', async () => {
    const { code, stdout } = await cli(path.join(FIXTURES_DIR, 'catalog-ext-memory-cache.json'), 'What is 6 times 7?', {});
    expect(code).toBe(0);
    expect(stdout).toContain('[next speaker] assistant');
    expect(stdout).toContain('[memory] assistant: The user wants answers in metric units.');
    expect(stdout).toContain("[stop] Function 'calculator' was executed.");
  }, 30_000);
});
