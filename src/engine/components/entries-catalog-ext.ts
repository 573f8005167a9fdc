/**
 * Registry entries for the rest of AgentChat's catalogue that configs name: the Ollama client,
 * the chat-completion cache, the head-and-tail and token-limited model contexts, ListMemory,
 * HttpTool and FunctionCallTermination. Whatever reaches the network goes through the load
 * context's egress policy.
 */
import { z } from 'zod';
import { HeadAndTailChatCompletionContext, TokenLimitedChatCompletionContext } from '../agents/model-context-limited.js';
import { FunctionCallTermination } from '../conditions/function-call-termination.js';
import { ListMemory, ListMemoryConfigSchema } from '../memory/list-memory.js';
import { ChatCompletionCache } from '../models/cache-client.js';
import { IN_MEMORY_STORE_PROVIDER } from '../models/cache-store.js';
import type { ToolSchema } from '../models/model-client.js';
import { OllamaChatCompletionClient, OLLAMA_CLIENT_PROVIDER } from '../models/ollama-client.js';
import type { OllamaClientConfig } from '../models/ollama-config.js';
import { HTTP_TOOL_PROVIDER, HttpTool, HttpToolConfigSchema } from '../tools/http-tool.js';
import { ComponentModelSchema } from './component-model.js';
import { LLMMessageSchema } from './entries-models-tools.js';
import { ComponentConfigError, defineEntry, egressOf, type RegistryEntry } from './registry-types.js';

const initialMessages = z.array(LLMMessageSchema).nullish();
const ToolSchemaSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  strict: z.boolean().optional(),
});

export const catalogExtEntries: RegistryEntry[] = [
  defineEntry({
    provider: OLLAMA_CLIENT_PROVIDER,
    componentType: 'model',
    // The client checks its own config and names the bad key.
    schema: z.record(z.string(), z.unknown()),
    load: (_c, scope, raw) => new OllamaChatCompletionClient(raw as OllamaClientConfig, egressOf(scope.ctx).egress),
  }),
  defineEntry({
    provider: 'autogen_ext.models.cache.ChatCompletionCache',
    componentType: 'model',
    schema: z.object({ client: ComponentModelSchema, store: ComponentModelSchema.nullish() }),
    load: (c, scope) => {
      if (c.store && c.store.provider !== IN_MEMORY_STORE_PROVIDER && c.store.provider !== 'InMemoryStore') {
        throw new ComponentConfigError(
          'config.store',
          `cache store "${c.store.provider}" is not supported (only ${IN_MEMORY_STORE_PROVIDER})`,
          'Leave `store` out for an in-memory cache',
        );
      }
      return new ChatCompletionCache(scope.load(c.client, 'model', 'client'));
    },
  }),
  defineEntry({
    provider: 'autogen_core.model_context.HeadAndTailChatCompletionContext',
    componentType: 'chat_completion_context',
    schema: z.object({ head_size: z.number().int().positive(), tail_size: z.number().int().positive(), initial_messages: initialMessages }),
    load: (c) => new HeadAndTailChatCompletionContext(c.head_size, c.tail_size, c.initial_messages ?? []),
  }),
  defineEntry({
    provider: 'autogen_core.model_context.TokenLimitedChatCompletionContext',
    componentType: 'chat_completion_context',
    schema: z.object({
      model_client: ComponentModelSchema,
      token_limit: z.number().int().positive().nullish(),
      tool_schema: z.array(ToolSchemaSchema).nullish(),
      initial_messages: initialMessages,
    }),
    load: (c, scope) =>
      new TokenLimitedChatCompletionContext(scope.load(c.model_client, 'model', 'model_client'), {
        tokenLimit: c.token_limit ?? null,
        toolSchema: (c.tool_schema ?? []) as ToolSchema[],
        initialMessages: c.initial_messages ?? [],
      }),
  }),
  defineEntry({
    provider: 'autogen_core.memory.ListMemory',
    componentType: 'memory',
    schema: ListMemoryConfigSchema,
    load: (c) => new ListMemory({ name: c.name, memoryContents: c.memory_contents ?? [] }),
  }),
  defineEntry({
    provider: HTTP_TOOL_PROVIDER,
    componentType: 'tool',
    schema: HttpToolConfigSchema,
    load: (c, scope) => new HttpTool(c, egressOf(scope.ctx).egress.fetch),
  }),
  defineEntry({
    provider: 'autogen_agentchat.conditions.FunctionCallTermination',
    componentType: 'termination',
    schema: z.object({ function_name: z.string().min(1) }),
    load: (c) => new FunctionCallTermination(c.function_name),
  }),
];
