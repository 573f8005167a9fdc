import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The app's root: the nearest directory above this module that holds a package.json. The code
 * runs at different depths (src/config in the tests, dist/src/config once built, a test's compiled
 * copy), so a fixed `../..` cannot name the root from all of them.
 */
export function appRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
