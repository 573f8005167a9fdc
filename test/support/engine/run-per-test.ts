/**
 * Each test as one run, for specs that call Python tools: the sandbox keeps a run's process until
 * the run ends (holding a user to PYTHON_MAX_PROCESSES_PER_USER of them), so a test's calls share
 * one process, as a team run's tool calls do, and the run is ended after the test as the driver
 * ends runs. A test costs one process start, not one per call. Call at a describe's (or file's)
 * top level; the returned function gives the running test's run signal.
 */
import { afterEach, beforeEach } from 'vitest';

export function runPerTest(): () => AbortSignal {
  let run: AbortController | undefined;
  beforeEach(() => {
    run = new AbortController();
  });
  afterEach(() => {
    run?.abort('Run ended');
    run = undefined;
  });
  return () => {
    if (!run) throw new Error('runPerTest: no test is running');
    return run.signal;
  };
}
