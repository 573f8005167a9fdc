/**
 * How a run reads in a terminal: streamed text as it arrives, then one line per message,
 * with tool calls, results and hand-offs marked.
 */
import type { AgentMessage, TaskResult } from '../messages.js';
import { messageToText } from '../messages.js';

export class ConsoleRenderer {
  /** The message id whose chunks are being printed, so its final message is not printed twice. */
  private streaming: string | undefined;
  private midLine = false;

  constructor(private readonly write: (text: string) => void) {}

  /** Ends a line of streamed text before something else is printed. */
  breakLine(): void {
    if (this.midLine) this.write('\n');
    this.midLine = false;
  }

  render(event: unknown): void {
    if (typeof event !== 'object' || event === null) return;
    if (!('type' in event)) {
      if ('stop_reason' in event) this.line(`[stop] ${(event as TaskResult).stop_reason ?? 'no stop reason'}`);
      return;
    }
    this.renderMessage(event as AgentMessage);
  }

  private renderMessage(m: AgentMessage): void {
    switch (m.type) {
      case 'ModelClientStreamingChunkEvent':
        if (this.streaming !== m.full_message_id) {
          this.breakLine();
          this.write(`${m.source}: `);
          this.streaming = m.full_message_id;
        }
        this.write(m.content);
        this.midLine = true;
        return;
      case 'TextMessage':
      case 'StopMessage':
      case 'MultiModalMessage':
        if (this.streaming === m.id) {
          this.streaming = undefined;
          this.breakLine();
          return;
        }
        this.line(`${m.source}: ${messageToText(m)}`);
        return;
      case 'ToolCallRequestEvent':
        for (const call of m.content) this.line(`[tool call] ${m.source} → ${call.name}(${call.arguments})`);
        return;
      case 'ToolCallExecutionEvent':
        for (const r of m.content) this.line(`[tool ${r.is_error ? 'error' : 'result'}] ${r.name}: ${r.content}`);
        return;
      case 'ToolCallSummaryMessage':
        this.line(`${m.source}: ${m.content}`);
        return;
      case 'HandoffMessage':
        this.line(`[handoff] ${m.source} → ${m.target}: ${m.content}`);
        return;
      case 'ThoughtEvent':
        this.line(`[thought] ${m.source}: ${m.content}`);
        return;
      case 'SelectSpeakerEvent':
        this.line(`[next speaker] ${m.content.join(', ')}`);
        return;
      case 'SelectorEvent':
        this.line(`[selector] ${m.content}`);
        return;
      case 'MemoryQueryEvent':
        this.line(`[memory] ${m.source}: ${messageToText(m)}`);
        return;
      case 'UserInputRequestedEvent':
        // The input prompt itself tells the user.
        return;
    }
  }

  private line(text: string): void {
    this.breakLine();
    this.streaming = undefined;
    this.write(`${text}\n`);
  }
}
