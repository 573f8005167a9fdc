/**
 * Who a run belongs to, for the sandbox's per-user cap (PYTHON_MAX_PROCESSES_PER_USER), recorded
 * against the run's AbortSignal: the signal already identifies the run to the sandbox (one
 * session per signal), and reaches every tool call of the run. The live-run registry records each
 * claim's signal as its user's; the run driver records the signal it derives from it (its own caps
 * joined in) as the same user's. A Python call whose signal is recorded nowhere (the CLI, a bare
 * engine) counts as one shared "no user".
 *
 * Not AsyncLocalStorage, which did this before: on Node 20 it turns on promise hooks for every
 * promise in the process, ~9% of the CPU of streaming runs (bench/README.md).
 */

const owners = new WeakMap<AbortSignal, string>();

/** Records `signal` as the signal of a run of `owner` (a user id). */
export function setSandboxOwner(signal: AbortSignal, owner: string): void {
  owners.set(signal, owner);
}

/** The user whose run `signal` belongs to; undefined when none was recorded. */
export function sandboxOwnerOf(signal: AbortSignal): string | undefined {
  return owners.get(signal);
}

/** Records `derived` (a signal made from `parent`, e.g. with AbortSignal.any) as the same run's. */
export function inheritSandboxOwner(parent: AbortSignal | undefined, derived: AbortSignal): void {
  const owner = parent && owners.get(parent);
  if (owner !== undefined) owners.set(derived, owner);
}
