/**
 * Helpers for specs that run the team fixtures (test/fixtures/teams): reading them,
 * and the tools they name beyond the built-ins, as simple stand-ins.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { builtinTools } from '../../../src/engine/tools/builtins.js';
import { tool, type Tool } from '../../../src/engine/tools/tool.js';
import { ToolRegistry } from '../../../src/engine/tools/tool-registry.js';
import type { LoadContext } from '../../../src/engine/components/registry-types.js';
import { EgressPolicy, parseEgressAllow } from '../../../src/engine/egress/index.js';

/** The team fixtures: `test/fixtures/teams` in the repository, the one copy every test reads. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/teams', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function readFixture(name: string): Record<string, unknown> {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as Record<string, unknown>;
}

/** Stand-ins for the customer-support demo tools the swarm fixture names. */
export function demoStandInTools(): Tool[] {
  return [
    tool({
      name: 'execute_order',
      description: 'Place an order for a product.',
      parameters: z.object({ product: z.string(), price: z.number() }),
      execute: ({ product, price }) => `Order placed for ${product} at $${price}.`,
    }),
    tool({
      name: 'look_up_item',
      description: 'Find the item id for a description.',
      parameters: z.object({ search_query: z.string() }),
      execute: () => 'item_132612938',
    }),
    tool({
      name: 'execute_refund',
      description: 'Refund an item.',
      parameters: z.object({ item_id: z.string(), reason: z.string().optional() }),
      execute: ({ item_id }) => `Refunded ${item_id}.`,
    }),
  ];
}

/** A load context with the built-ins and the stand-ins, no server credentials, and 127.0.0.1 allowed (the local fakes). */
export function fixtureLoadContext(): LoadContext {
  return {
    tools: new ToolRegistry([...builtinTools(), ...demoStandInTools()]),
    credentials: {},
    egress: new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') }),
  };
}
