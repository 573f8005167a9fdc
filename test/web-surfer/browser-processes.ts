/**
 * The web surfer's Chromium processes started by this test process: those whose command line
 * names a web surfer profile directory and that descend from this process (so browsers of
 * other test files running at the same time do not count).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** BrowserSession's PROFILE_PREFIX (the Nest side and its tests may not import engine internals). */
const PROFILE_PREFIX = 'teamstream-websurfer-';

function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/<pid>/stat, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current: number | undefined = pid, depth = 0; current && depth < 64; current = parentOf(current), depth++) {
    if (current === ancestor) return true;
  }
  return false;
}

export function webSurferBrowsers(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PROFILE_PREFIX) && descendsFrom(pid, process.pid);
      } catch {
        return false;
      }
    });
}

/**
 * Chromium processes of any parent whose command line names `dir` (a TMPDIR given to a child
 * process, under which the surfer makes its profile): finds a browser even when the process
 * that started it has exited and it was reparented.
 */
export function browsersUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes(PROFILE_PREFIX) && cmdline.includes(dir);
      } catch {
        return false;
      }
    });
}

/** Resolves once no such process is left; rejects with their pids after `timeoutMs`. */
export async function noBrowserLeft(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (webSurferBrowsers().length > 0) {
    if (Date.now() > deadline) throw new Error(`chromium processes left: ${webSurferBrowsers().join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
