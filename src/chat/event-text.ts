/**
 * How engine events read as one line of text, for the seeds' simple clients (protocol §2.8):
 * `chatbot: The answer is …`, `[tool] weather_forecast({"city":"Paris"})`, `→ handoff to …`.
 */
import type { AgentMessage, FunctionCall, FunctionExecutionResult, HandoffMessage } from '../engine/index.js';

export const callText = (call: FunctionCall): string => `${call.name}(${call.arguments})`;

export const resultText = (result: FunctionExecutionResult): string =>
  result.is_error ? `${result.name} failed: ${result.content}` : `${result.name} → ${result.content}`;

export const handoffText = (message: HandoffMessage): string => `${message.source} → handoff to ${message.target}`;

/**
 * The text frame `/ws/chat` sends for one event, or null for events it does not show: streaming
 * chunks (the finished message follows with the whole text) and input requests (the prompt
 * itself is sent when input is asked for).
 */
export function eventText(message: AgentMessage): string | null {
  switch (message.type) {
    case 'TextMessage':
    case 'StopMessage':
    case 'ToolCallSummaryMessage':
      return `${message.source}: ${message.content}`;
    case 'MultiModalMessage':
      return `${message.source}: ${message.content.map((part) => (typeof part === 'string' ? part : '<image>')).join('\n')}`;
    case 'HandoffMessage':
      return message.content ? `${handoffText(message)}: ${message.content}` : handoffText(message);
    case 'ToolCallRequestEvent':
      return message.content.map((call) => `[tool] ${callText(call)}`).join('\n');
    case 'ToolCallExecutionEvent':
      return message.content.map((result) => `[result] ${resultText(result)}`).join('\n');
    case 'ThoughtEvent':
      return `${message.source} (thinking): ${message.content}`;
    case 'SelectSpeakerEvent':
      return `[next speaker] ${message.content.join(', ')}`;
    case 'ModelClientStreamingChunkEvent':
    case 'UserInputRequestedEvent':
    case 'LLMCallEventMessage':
    case 'MemoryQueryEvent':
    case 'SelectorEvent':
      return null;
  }
}
