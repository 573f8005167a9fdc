import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appRoot } from './app-root.js';

describe(appRoot.name, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'app-root-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is the repository root when run from src/', () => {
    expect(appRoot()).toBe(process.cwd());
  });

  it('finds the nearest package.json from any depth (dist/src/… once built)', () => {
    writeFileSync(path.join(scratch, 'package.json'), '{}');
    const deep = path.join(scratch, 'dist', 'src', 'config');
    mkdirSync(deep, { recursive: true });
    expect(appRoot(deep)).toBe(scratch);
  });
});
