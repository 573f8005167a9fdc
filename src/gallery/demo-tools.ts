/**
 * The customer-support demo's tools (the triage / sales / repairs swarm of the default gallery).
 * Deterministic stand-ins for a shop's back office, so the demo runs the same every time with
 * no external system. They live here, not among the engine's built-ins, because they only make
 * sense for that demo team.
 */
import { z } from 'zod';
import { tool, type Tool } from '../engine/index.js';

export function demoTools(): Tool[] {
  return [
    tool({
      name: 'execute_order',
      description: 'Place an order for a product.',
      parameters: z.object({ product: z.string().min(1), price: z.number().int().nonnegative() }),
      execute: ({ product, price }) => `Order placed: ${product} for $${price}.`,
    }),
    tool({
      name: 'look_up_item',
      description: 'Find the item id for a description.',
      parameters: z.object({ search_query: z.string().min(1) }),
      execute: ({ search_query }) => `Found item_132612938 for "${search_query}".`,
    }),
    tool({
      name: 'execute_refund',
      description: 'Refund an item.',
      parameters: z.object({ item_id: z.string().min(1), reason: z.string().default('not provided') }),
      execute: ({ item_id, reason }) => `Refund of ${item_id} executed (reason: ${reason}).`,
    }),
  ];
}
