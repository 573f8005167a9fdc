import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appRoot } from '../config/app-root.js';

/** The service version from the app's package.json (src/ in the tests, dist/src/ once built). */
export function readAppVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(path.join(appRoot(), 'package.json'), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}
