import { readFileSync } from 'node:fs';
import type { Component } from '../../src/common/component.js';

/** An AutoGen Studio team config from test/fixtures/teams (copies of ../shared/fixtures/teams). */
export function teamFixture(name: string): Component {
  const url = new URL(`../fixtures/teams/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Component;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
