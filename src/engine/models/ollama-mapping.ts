/**
 * Ollama's `/api/chat` wire format, both ways, as AgentChat's OllamaChatCompletionClient maps it:
 * LLM messages and tool schemas to Ollama messages and tools; a chat response (or the chunks of
 * a stream) back to a CreateResult.
 */
import { z } from 'zod';
import type { FunctionCall } from '../messages.js';
import type { FinishReason, LLMMessage, ToolSchema } from './model-client.js';

/** One message of an Ollama chat request. Images are bare base64 strings. */
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content?: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
}

/** An Ollama tool: only each property's `type` and `description` survive, as in AgentChat's convert_tools. */
export interface OllamaTool {
  type: 'function';
  function: {
    name: string;
    description: string;
    parameters: { type: 'object'; required?: string[]; properties?: Record<string, { type: string; description?: string }> };
  };
}

/** One chat response, or one NDJSON line of a stream. */
export const OllamaChatChunkSchema = z.looseObject({
  model: z.string().optional(),
  message: z
    .looseObject({
      role: z.string().optional(),
      content: z.string().nullish(),
      tool_calls: z
        .array(z.looseObject({ function: z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()).nullish() }) }))
        .nullish(),
    })
    .optional(),
  done: z.boolean().optional(),
  done_reason: z.string().nullish(),
  prompt_eval_count: z.number().int().nullish(),
  eval_count: z.number().int().nullish(),
});
export type OllamaChatChunk = z.infer<typeof OllamaChatChunkSchema>;

export function toOllamaMessages(messages: readonly LLMMessage[]): OllamaMessage[] {
  return messages.flatMap((message): OllamaMessage[] => {
    switch (message.type) {
      case 'SystemMessage':
        return [{ role: 'system', content: message.content }];
      case 'UserMessage':
        return userMessage(message.content);
      case 'AssistantMessage':
        if (typeof message.content === 'string') return [{ role: 'assistant', content: message.content }];
        return [
          { role: 'assistant', tool_calls: message.content.map((c) => ({ function: { name: c.name, arguments: parseArguments(c.arguments) } })) },
        ];
      case 'FunctionExecutionResultMessage':
        // Ollama has no call ids: one tool message per result, in call order.
        return message.content.map((r) => ({ role: 'tool', content: r.content }));
    }
  });
}

/** Text parts become user messages; each image joins the message before it (or starts one), as AgentChat does. */
function userMessage(content: string | (string | { url: string })[]): OllamaMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: OllamaMessage[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      out.push({ role: 'user', content: part });
      continue;
    }
    const base64 = part.url.replace(/^data:[^,]*;base64,/, '');
    const last = out.at(-1);
    if (last) (last.images ??= []).push(base64);
    else out.push({ role: 'user', images: [base64] });
  }
  return out;
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toOllamaTools(tools: readonly ToolSchema[]): OllamaTool[] {
  return tools.map((tool) => {
    const parameters = tool.parameters as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    const properties: Record<string, { type: string; description?: string }> = {};
    for (const [name, schema] of Object.entries(parameters.properties ?? {})) {
      properties[name] = { type: propertyType(schema), ...(typeof schema.description === 'string' ? { description: schema.description } : {}) };
    }
    return {
      type: 'function',
      function: {
        name: tool.name,
        description: tool.description ?? '',
        parameters: { type: 'object', ...(parameters.required ? { required: parameters.required } : {}), properties },
      },
    };
  });
}

/** `type`, else the first non-null type of an `anyOf`, else `string` (AgentChat's rule). */
function propertyType(schema: Record<string, unknown>): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.anyOf)) {
    const found = (schema.anyOf as Record<string, unknown>[]).map((o) => o.type).find((t) => typeof t === 'string' && t !== 'null');
    if (typeof found === 'string') return found;
  }
  return 'string';
}

/** Ollama's done_reason as a finish reason (AgentChat's normalize_stop_reason). */
export function finishReason(doneReason: string | null | undefined): FinishReason {
  switch (doneReason?.toLowerCase()) {
    case 'stop':
    case 'end_turn':
      return 'stop';
    case 'tool_calls':
      return 'function_calls';
    default:
      return 'unknown';
  }
}

/** Names as the model wrote them, made safe for a tool name (AgentChat's normalize_name). */
function normalizeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** The tool calls of a response; ids are made up (Ollama has none), one per call. */
export function toFunctionCalls(calls: NonNullable<NonNullable<OllamaChatChunk['message']>['tool_calls']>, nextId: () => string): FunctionCall[] {
  return calls.map((c) => ({ id: nextId(), name: normalizeName(c.function.name), arguments: JSON.stringify(c.function.arguments ?? {}) }));
}
