/**
 * The transcript of one run: a bubble per agent turn (filled by chunks, then replaced by the final
 * message), tool calls with their results, hand-offs, input requests and the closing summary.
 * It is fed the same way live (frames) and from the log (stored messages), so a reopened run and
 * a watched run look alike.
 */
import { h } from './dom.js';
import { contentText, formatDuration, formatUsage } from './format.js';
import { renderInputRequest, type InputRequestView } from './input-request.js';
import { fillToolResult, orphanToolResult, renderMessage, streamingBubble, toolCallDetails, type Speaker } from './message-render.js';
import type { AgentMessage, RunFrame, RunStatus, TeamResult, ToolCall, ToolResult } from './types.js';

export interface RunViewHooks {
  /** The agent now speaking (null when nobody is): the page highlights it. */
  onActiveAgent(name: string | null): void;
  /** The human answered an input request in place. */
  onInputResponse(response: string, requestId: string | undefined): void;
  /** Every final message, in order (the agent flow graph is drawn from them). */
  onMessage?(message: AgentMessage): void;
  /** "Replay" was pressed on the finished run: show its timeline. */
  onReplay?(runId: number): void;
}

export class RunView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly badge: HTMLElement;
  /** Streaming bubbles and rendered messages by message id. */
  private readonly byId = new Map<string, HTMLElement>();
  private readonly toolCalls = new Map<string, HTMLDetailsElement>();
  /** Sources that speak for the human: `user`, and every proxy that asked for input. */
  private readonly humans = new Set<string>(['user']);
  private pendingInput: InputRequestView | null = null;
  private finished = false;

  constructor(
    readonly runId: number,
    private readonly hooks: RunViewHooks,
  ) {
    this.badge = h('span', { class: 'status-badge', 'data-status': 'created' }, 'created');
    this.body = h('div', { class: 'run-body' });
    this.footer = h('footer', { class: 'run-footer' });
    this.element = h(
      'section',
      { class: 'run', 'data-run-id': runId, 'aria-label': `Run ${runId}` },
      h('h3', { class: 'run-title' }, `Run #${runId} `, this.badge),
      this.body,
      this.footer,
    );
  }

  setStatus(status: RunStatus | 'connecting' | 'reconnecting' | 'running'): void {
    this.badge.textContent = status;
    this.badge.dataset.status = status;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** A live (or replayed) run frame. */
  apply(frame: RunFrame): void {
    switch (frame.type) {
      case 'message_chunk':
        return this.applyChunk(frame.data);
      case 'message':
        return this.applyMessage(frame.data);
      case 'input_request':
        return this.showInputRequest(frame);
      case 'result':
        return this.finish('complete', frame.data);
      case 'completion':
        return this.finish(frame.status === 'cancelled' ? 'stopped' : 'error', frame.data);
    }
  }

  private speaker(source: string): Speaker {
    return this.humans.has(source) ? 'human' : 'agent';
  }

  private applyChunk(chunk: AgentMessage): void {
    if (!this.finished) this.setStatus('running');
    const key = chunk.full_message_id ?? `stream-${chunk.source}`;
    let target = this.byId.get(key);
    if (!target) {
      target = streamingBubble(chunk);
      this.byId.set(key, target);
      this.body.append(target);
    }
    target.querySelector('.bubble-text')?.append(contentText(chunk.content));
    this.hooks.onActiveAgent(chunk.source);
  }

  /** A final message: it replaces its streaming bubble, if any, where that bubble stood. */
  applyMessage(message: AgentMessage): void {
    if (message.type === 'ModelClientStreamingChunkEvent') return this.applyChunk(message);
    // LLM call events are for the run timeline (README: Playground): not a speaker, not a bubble.
    if ((message.type as string) === 'LLMCallEventMessage') return;
    if (!this.finished && message.source !== 'user') this.setStatus('running');
    if (this.pendingInput && message.source === this.pendingInput.source) {
      this.pendingInput.close('Answered.');
      this.pendingInput = null;
    }
    this.hooks.onMessage?.(message);
    const element = this.renderFinal(message);
    if (!element) return;
    const streaming = message.id ? this.byId.get(message.id) : undefined;
    if (streaming) streaming.replaceWith(element);
    else this.body.append(element);
    if (message.id) this.byId.set(message.id, element);
    if (message.type === 'HandoffMessage' && message.target) this.hooks.onActiveAgent(message.target);
    else if (!this.humans.has(message.source)) this.hooks.onActiveAgent(message.source);
  }

  private renderFinal(message: AgentMessage): HTMLElement | null {
    switch (message.type) {
      case 'ToolCallRequestEvent': {
        const calls = Array.isArray(message.content) ? (message.content as ToolCall[]) : [];
        const group = h('div', { class: 'tool-group', 'data-message-id': message.id });
        for (const call of calls) {
          const details = toolCallDetails(message.source, call);
          this.toolCalls.set(call.id, details);
          group.append(details);
        }
        return group;
      }
      case 'ToolCallExecutionEvent': {
        const results = Array.isArray(message.content) ? (message.content as ToolResult[]) : [];
        const orphans = h('div', { class: 'tool-group', 'data-message-id': message.id });
        for (const result of results) {
          const details = this.toolCalls.get(result.call_id);
          if (details) fillToolResult(details, result);
          else orphans.append(orphanToolResult(message.source, result));
        }
        return orphans.childElementCount ? orphans : null;
      }
      case 'UserInputRequestedEvent':
        return null; // the input_request frame is what the human acts on
      default:
        return renderMessage(message, this.speaker(message.source));
    }
  }

  private showInputRequest(request: Extract<RunFrame, { type: 'input_request' }>): void {
    if (request.source) this.humans.add(request.source);
    this.pendingInput?.close('Superseded by a new request.');
    this.pendingInput = renderInputRequest(request, (response, requestId) => this.hooks.onInputResponse(response, requestId));
    this.body.append(this.pendingInput.element);
    this.hooks.onActiveAgent(request.source ?? null);
    this.pendingInput.focus();
  }

  /** Ends the run's transcript with its status, duration, usage and stop reason or error. */
  finish(status: RunStatus, result: TeamResult | null | undefined, errorMessage?: string | null): void {
    if (this.finished) return;
    this.finished = true;
    this.setStatus(status);
    this.pendingInput?.close('The run is over.');
    this.pendingInput = null;
    for (const streaming of this.body.querySelectorAll('.bubble.streaming')) streaming.classList.remove('streaming');
    this.hooks.onActiveAgent(null);

    const facts: string[] = [`Status: ${status}`];
    if (typeof result?.duration === 'number') facts.push(`Duration: ${formatDuration(result.duration)}`);
    const usage = formatUsage(result?.usage);
    if (usage) facts.push(`Usage: ${usage}`);
    this.footer.replaceChildren(h('p', { class: 'run-facts' }, facts.join(' · ')));
    const stopReason = result?.task_result?.stop_reason;
    if (stopReason) this.footer.append(h('p', { class: 'stop-reason' }, `Stop reason: ${stopReason}`));
    const error = status === 'error' ? (errorMessage ?? systemText(result)) : null;
    if (error) this.footer.append(h('p', { class: 'run-error', role: 'alert' }, `Error: ${error}`));
    const replay = this.hooks.onReplay;
    if (replay)
      this.footer.append(
        h('button', { type: 'button', class: 'small replay', onclick: () => replay(this.runId) }, `Replay run #${this.runId} step by step`),
      );
  }

  /** A protocol `error` frame or a transport problem, shown plainly inside the run. */
  showError(text: string): void {
    this.body.append(h('p', { class: 'run-error', role: 'alert' }, text));
  }
}

/** The error text a failed run carries as a `system` message (protocol §1.5). */
function systemText(result: TeamResult | null | undefined): string | null {
  const messages = result?.task_result?.messages ?? [];
  const system = [...messages].reverse().find((m) => m.source === 'system');
  return system ? contentText(system.content) : null;
}
