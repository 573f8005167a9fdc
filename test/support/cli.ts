/**
 * The `teamstream` CLI as a user meets it: bundled from src/cli/main.ts with esbuild (a
 * devDependency) into node_modules/.cache (inside the repo, so its external packages resolve from
 * node_modules), then run as a child process. No prior `nest build` is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment (after the model credentials of whoever runs the tests are removed). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Absent: stdin stays open. */
  stdin?: string;
  /** Called once stdout contains `text` (e.g. to send Ctrl-C). */
  onOutput?: { text: string; then: (child: ChildProcess) => void };
  /** Milliseconds before the child is killed and the call rejects. Default 30 000: a deadline, generous for a loaded machine. */
  timeoutMs?: number;
}

/**
 * Variables of the test runner's own environment that must not reach a CLI under test: a
 * developer's model keys and endpoints would be sent to the fakes (or count as configured), and a
 * TOOLS_DIR would add tools.
 */
const HOST_ONLY = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'AZURE_OPENAI_API_KEY',
  'AZURE_OPENAI_ENDPOINT',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'TOOLS_DIR',
];

/** A bundled CLI for one test file: `run` it, then `remove` it (in afterAll). */
export class BundledCli {
  private constructor(
    private readonly dir: string,
    readonly file: string,
  ) {}

  /** Bundles src/cli/main.ts under node_modules/.cache/<name>/<pid> (takes a few seconds). */
  static async build(name: string): Promise<BundledCli> {
    const repo = process.cwd();
    const dir = path.join(repo, 'node_modules', '.cache', name, String(process.pid));
    const file = path.join(dir, 'main.mjs');
    await build({
      entryPoints: [path.join(repo, 'src/cli/main.ts')],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    return new BundledCli(dir, file);
  }

  /** Runs `teamstream <args>` from the repo root; resolves with its exit code and output. */
  run(args: string[], options: CliOptions = {}): Promise<CliOutcome> {
    return new Promise((resolve, reject) => {
      const env = { ...process.env };
      for (const name of HOST_ONLY) delete env[name];
      const child = spawn(process.execPath, [this.file, ...args], { cwd: process.cwd(), env: { ...env, ...options.env } });
      let stdout = '';
      let stderr = '';
      let triggered = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`teamstream ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
      }, options.timeoutMs ?? 30_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (options.onOutput && !triggered && stdout.includes(options.onOutput.text)) {
          triggered = true;
          options.onOutput.then(child);
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      if (options.stdin !== undefined) child.stdin.end(options.stdin);
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
