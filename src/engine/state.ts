/**
 * Saved state of agents and teams (AgentChat's `save_state()` / `load_state()`): plain JSON, so a
 * conversation can be stored anywhere and continued later by a freshly loaded team, in another
 * process. The schemas check the shape of what comes back from storage; message contents are
 * trusted as the engine wrote them.
 */
import { z } from 'zod';
import { AGENT_MESSAGE_TYPES, CHAT_MESSAGE_TYPES, type AgentMessage, type ChatMessage } from './messages.js';
import type { LLMMessage } from './models/model-client.js';

const LLM_MESSAGE_TYPES = [
  'SystemMessage',
  'UserMessage',
  'AssistantMessage',
  'FunctionExecutionResultMessage',
] as const satisfies readonly LLMMessage['type'][];

const agentMessage = z
  .looseObject({ type: z.enum(AGENT_MESSAGE_TYPES), id: z.string(), source: z.string() })
  .transform((m) => m as unknown as AgentMessage);
const chatMessage = z
  .looseObject({ type: z.enum(CHAT_MESSAGE_TYPES), id: z.string(), source: z.string() })
  .transform((m) => m as unknown as ChatMessage);
const llmMessage = z.looseObject({ type: z.enum(LLM_MESSAGE_TYPES), content: z.unknown() }).transform((m) => m as unknown as LLMMessage);

/** One model-context message as stored (a saved context, a HandoffMessage's `context`). */
export const LLMMessageSchema = llmMessage;

/** What a model context remembers. */
export const ModelContextStateSchema = z.object({ messages: z.array(llmMessage) });
export type ModelContextState = z.infer<typeof ModelContextStateSchema>;

/** One agent's memory; `type` says which kind of agent wrote it. */
export const AgentStateSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('AssistantAgentState'), version: z.literal(1), llm_context: ModelContextStateSchema }),
  // A UserProxyAgent remembers nothing: the person does.
  z.object({ type: z.literal('UserProxyAgentState'), version: z.literal(1) }),
  // A team that is a participant of another team, or the inner team of a SocietyOfMindAgent:
  // its own TeamState, checked by that team when it loads it.
  z.looseObject({ type: z.literal('TeamState'), version: z.literal(1) }),
  z.object({ type: z.literal('SocietyOfMindAgentState'), version: z.literal(1), inner_team_state: z.record(z.string(), z.unknown()) }),
  // A CodeExecutorAgent without a model client remembers nothing (AgentChat: no mutable state).
  z.object({ type: z.literal('CodeExecutorAgentState'), version: z.literal(1) }),
  // A MultimodalWebSurfer keeps nothing between runs either (as AgentChat's, whose state is BaseState).
  z.object({ type: z.literal('MultimodalWebSurferState'), version: z.literal(1) }),
]);
export type AgentState = z.infer<typeof AgentStateSchema>;

/**
 * A group chat between runs: the conversation, who spoke last, what each agent has not seen yet,
 * each agent's memory, and the selector's own state (RoundRobin: whose turn is next).
 */
export const TeamStateSchema = z.object({
  type: z.literal('TeamState'),
  version: z.literal(1),
  /** The team kind that wrote it; a state only loads into the same kind. */
  provider: z.string(),
  message_thread: z.array(agentMessage),
  previous_speaker: z.string().nullable(),
  message_buffers: z.record(z.string(), z.array(chatMessage)),
  agent_states: z.record(z.string(), AgentStateSchema),
  selector_state: z.record(z.string(), z.unknown()),
});
export type TeamState = z.infer<typeof TeamStateSchema>;
