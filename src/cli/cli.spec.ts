/**
 * The CLI as a user meets it: a child process running the bundled `teamstream` on the team
 * fixtures (test/fixtures/teams). The bundle is built with esbuild (a devDependency) into node_modules/.cache, so the
 * spec needs no prior `nest build` and works from a clean clone after `npm ci`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundledCli, type CliOptions } from '../../test/support/cli.js';
import { FIXTURES_DIR } from '../../test/support/engine/fixtures.js';

const fixture = (name: string) => path.join(FIXTURES_DIR, `${name}.json`);
let scratch: string;

let bundled: BundledCli;
const cli = (args: string[], options?: CliOptions) => bundled.run(args, options);

beforeAll(async () => {
  bundled = await BundledCli.build('teamstream-cli-spec');
  scratch = mkdtempSync(path.join(tmpdir(), 'teamstream-cli-'));
}, 30_000);

afterAll(() => {
  bundled?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('teamstream (CLI)', () => {
  it('prints its usage with --help', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: teamstream run <team.json> --task');
  });

  it('runs the weather team: tool call and result marked, the answer, the stop reason; exit 0', async () => {
    const { code, stdout, stderr } = await cli(['run', fixture('weather-tool'), '--task', 'What is the weather in Paris?']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'user: What is the weather in Paris?',
      '[tool call] chatbot → weather_forecast({"city":"Paris"})',
      '[tool result] weather_forecast: The weather forecast for Paris is sunny.',
      'chatbot: The forecast for Paris is sunny. TERMINATE',
      "[stop] Text 'TERMINATE' mentioned",
      '',
    ]);
  });

  it('streams text as it arrives (round-robin team)', async () => {
    const { code, stdout } = await cli(['run', fixture('round-robin-replay'), '--task', 'What is the answer?']);
    expect(code).toBe(0);
    expect(stdout).toContain('assistant_agent: The answer is 42 . TERMINATE\n');
  });

  it('reads human input from stdin (human-in-the-loop team)', async () => {
    const { code, stdout } = await cli(['run', fixture('human-in-the-loop'), '--task', 'Write a poem.'], {
      stdin: 'Make it shorter\nAPPROVE\n',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Enter your response: Make it shorter\n');
    expect(stdout).toContain('Enter your response: APPROVE\n');
    expect(stdout).toContain("[stop] Text 'APPROVE' mentioned");
  });

  it('marks hand-offs and loads tools from TOOLS_DIR (swarm team)', async () => {
    const toolsDir = path.join(scratch, 'tools');
    mkdirSync(toolsDir, { recursive: true });
    writeFileSync(
      path.join(toolsDir, 'orders.mjs'),
      `const stub = (name, reply) => ({ name, description: name, schema: { name, description: name, parameters: { type: 'object' } }, run: async () => ({ content: reply, isError: false }) });
export default [stub('execute_order', 'Order placed.'), stub('look_up_item', 'item_1'), stub('execute_refund', 'Refunded.')];\n`,
    );
    const { code, stdout } = await cli(['run', fixture('swarm-handoffs'), '--task', 'Buy a unicycle.'], { env: { TOOLS_DIR: toolsDir } });
    expect(code).toBe(0);
    expect(stdout).toContain('[handoff] triage_agent → sales_agent: Transferred to sales_agent');
    expect(stdout).toContain('[tool result] execute_order: Order placed.');
    expect(stdout).toContain('[stop] Handoff to user from sales_agent detected.');
  });

  it('stops cleanly on Ctrl-C while waiting for input: prints the stop, exit 130', async () => {
    const { code, stdout } = await cli(['run', fixture('human-in-the-loop'), '--task', 'Write a poem.'], {
      onOutput: { text: 'Enter your response: ', then: (child) => child.kill('SIGINT') },
    });
    expect(stdout).toContain('[stopped] Interrupted (Ctrl-C)');
    expect(code).toBe(130);
  });

  it('explains a bad config and exits 1', async () => {
    const file = path.join(scratch, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ provider: 'autogen_agentchat.teams.RoundRobinGroupChat', config: { participants: [{ provider: 'foo.Bar', config: {} }] } }),
    );
    const { code, stderr } = await cli(['run', file, '--task', 'x']);
    expect(code).toBe(1);
    expect(stderr).toContain('config.participants[0]: unknown provider "foo.Bar"');
  });

  it('exits with the error kind’s code when the run fails: 69 (unavailable) for a model server that does not answer', async () => {
    // A loopback port nobody listens on, allowed by EGRESS_ALLOW so the failure is the connection's.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const team = JSON.parse(readFileSync(fixture('openai-assistant'), 'utf8')) as { config: { participants: { config: Record<string, any> }[] } };
    const agent = team.config.participants[0]!.config;
    agent.model_client.config.base_url = `http://127.0.0.1:${closed}/v1`;
    agent.model_client.config.api_key = 'sk-test';
    agent.model_client.config.max_retries = 0;
    agent.workbench = [];
    const file = path.join(scratch, 'unreachable.json');
    writeFileSync(file, JSON.stringify(team));
    const { code, stderr } = await cli(['run', file, '--task', 'x'], { env: { EGRESS_ALLOW: '127.0.0.1' } });
    expect(stderr).toContain('run failed: ');
    expect(code).toBe(69);
  });

  it('applies the server’s run caps: a team with no termination stops after RUN_MAX_TURNS, exit 130', async () => {
    const team = JSON.parse(readFileSync(fixture('round-robin-replay'), 'utf8')) as { config: Record<string, any> };
    delete team.config.termination_condition;
    team.config.participants[0].config.model_client.config.chat_completions = Array.from({ length: 20 }, (_, i) => `reply ${i}`);
    const file = path.join(scratch, 'endless.json');
    writeFileSync(file, JSON.stringify(team));
    const { code, stdout } = await cli(['run', file, '--task', 'go'], { env: { RUN_MAX_TURNS: '3' } });
    expect(stdout).toContain('[stopped] Maximum of 3 agent turns reached (RUN_MAX_TURNS)');
    expect(code).toBe(130);
    const bad = await cli(['run', file, '--task', 'go'], { env: { RUN_MAX_TURNS: 'many' } });
    expect([bad.code, bad.stderr.includes('RUN_MAX_TURNS')]).toEqual([1, true]);
  });

  it('runs the swarm team with no TOOLS_DIR: the same tools as the server', async () => {
    const { code, stdout, stderr } = await cli(['run', fixture('swarm-handoffs'), '--task', 'Buy a unicycle.']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('[tool result] execute_order: Order placed: rocket-powered unicycle for $800.');
  });

  it("runs a FunctionTool's Python source in the sandbox", async () => {
    const file = path.join(scratch, 'python-tool.json');
    const call = { id: 'c1', name: 'shout', arguments: JSON.stringify({ text: 'hello' }) };
    const agent = {
      provider: 'AssistantAgent',
      config: {
        name: 'shouter',
        model_client: {
          provider: 'ReplayChatCompletionClient',
          config: {
            chat_completions: [
              { finish_reason: 'function_calls', content: [call], usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false },
              'Done. TERMINATE',
            ],
          },
        },
        tools: [
          {
            provider: 'autogen_core.tools.FunctionTool',
            config: { name: 'shout', source_code: 'def shout(text: str) -> str:\n    return text.upper()\n' },
          },
        ],
        reflect_on_tool_use: true,
      },
    };
    writeFileSync(
      file,
      JSON.stringify({
        provider: 'RoundRobinGroupChat',
        config: { participants: [agent], termination_condition: { provider: 'TextMentionTermination', config: { text: 'TERMINATE' } } },
      }),
    );
    const { code, stdout, stderr } = await cli(['run', file, '--task', 'Shout hello.'], {
      env: { PYTHON_TOOLS: 'sandbox', PYTHON_POOL_SIZE: '1' },
      timeoutMs: 60_000,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('[tool result] shout: HELLO');
  }, 70_000);

  it('refuses a Python FunctionTool it has no tool for when PYTHON_TOOLS=off, and bad usage', async () => {
    const file = path.join(scratch, 'unknown-tool.json');
    const tools = [{ provider: 'autogen_core.tools.FunctionTool', config: { name: 'mystery', source_code: 'def mystery() -> str: ...' } }];
    writeFileSync(
      file,
      JSON.stringify({
        provider: 'RoundRobinGroupChat',
        config: {
          participants: [
            {
              provider: 'AssistantAgent',
              config: { name: 'a', model_client: { provider: 'ReplayChatCompletionClient', config: { chat_completions: ['x'] } }, tools },
            },
          ],
        },
      }),
    );
    const swarm = await cli(['run', file, '--task', 'x'], { env: { PYTHON_TOOLS: 'off' } });
    expect(swarm.code).toBe(1);
    expect(swarm.stderr).toContain('FunctionTool "mystery" is not a registered tool');
    const usage = await cli(['run', fixture('weather-tool')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing --task');
  });
});
