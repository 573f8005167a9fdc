/**
 * Who a run belongs to, for the sandbox's per-user cap (PYTHON_MAX_PROCESSES_PER_USER): the
 * front end runs a run's body inside `runAsSandboxOwner(userId, …)` (the live-run registry does,
 * for every front end), and a Python call made anywhere below it finds the user here, with no
 * user id threaded through the driver, agents and tools. AsyncLocalStorage carries it along
 * every await of the run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const owners = new AsyncLocalStorage<string>();

/** Runs `body` (and everything it awaits) as a run of `owner` (a user id). */
export function runAsSandboxOwner<T>(owner: string, body: () => T): T {
  return owners.run(owner, body);
}

/** The user whose run is executing here; undefined outside any (the CLI, a bare engine). */
export function currentSandboxOwner(): string | undefined {
  return owners.getStore();
}
