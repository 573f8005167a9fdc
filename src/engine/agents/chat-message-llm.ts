/** How a chat message looks to a model (AgentChat's `BaseChatMessage.to_model_message`). */
import type { ChatMessage } from '../messages.js';
import type { LLMMessage } from '../models/model-client.js';
import { receivedHandoffContext } from './handoffs.js';

/** A chat message as the user message a model sees, with its `source`. */
export function chatMessageToLLM(message: ChatMessage): LLMMessage {
  return { type: 'UserMessage', content: message.content, source: message.source };
}

/** What an agent adds to its model context on receiving messages: a hand-off's context first, then the message (as AgentChat's agents do). */
export function receivedToLLM(messages: readonly ChatMessage[]): LLMMessage[] {
  return messages.flatMap((m) => [...(m.type === 'HandoffMessage' ? receivedHandoffContext(m) : []), chatMessageToLLM(m)]);
}
