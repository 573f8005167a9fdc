import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from '../../src/common/component.js';
import { FIXTURES_DIR } from './engine/fixtures.js';

/** An AutoGen Studio team config from the team fixtures (test/fixtures/teams). */
export function teamFixture(name: string): Component {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8')) as Component;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
