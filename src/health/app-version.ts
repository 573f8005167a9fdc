import { readFileSync } from 'node:fs';

/** The service version from package.json (two levels up from both src/health and dist/health). */
export function readAppVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}
