/**
 * Registry entry of the Anthropic model client (AGS gallery: "Anthropic Claude-3-7"). The client
 * checks its own config (naming the bad key), so only the shape is checked here.
 */
import { z } from 'zod';
import { ANTHROPIC_CLIENT_PROVIDER, AnthropicChatCompletionClient } from '../models/anthropic-client.js';
import type { AnthropicClientConfig } from '../models/anthropic-config.js';
import { defineEntry, egressOf, type RegistryEntry } from './registry-types.js';

export const anthropicEntries: RegistryEntry[] = [
  defineEntry({
    provider: ANTHROPIC_CLIENT_PROVIDER,
    componentType: 'model',
    schema: z.record(z.string(), z.unknown()),
    // The server's ANTHROPIC_API_KEY goes only to its own endpoint; every request passes the egress policy.
    load: (_c, scope, raw) => new AnthropicChatCompletionClient(raw as AnthropicClientConfig, egressOf(scope.ctx)),
  }),
];
