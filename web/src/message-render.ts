/**
 * One AgentChat message (protocol §1.7) as DOM. Pure: the RunView decides where it goes and which
 * streaming bubble it replaces.
 */
import { h } from './dom.js';
import { contentText, prettyJson } from './format.js';
import type { AgentMessage, ToolCall, ToolResult } from './types.js';

/** Who wrote a bubble: the human (task, proxy answers) or an agent. */
export type Speaker = 'human' | 'agent';

export function bubble(message: AgentMessage, speaker: Speaker, body: Node | string, extraClass = ''): HTMLElement {
  return h(
    'article',
    { class: `bubble ${speaker} ${extraClass}`.trim(), 'data-source': message.source, 'data-message-id': message.id, 'data-type': message.type },
    h('header', { class: 'bubble-source' }, message.source),
    h('div', { class: 'bubble-text' }, body),
  );
}

/** The streaming bubble of an agent turn, filled chunk by chunk until its final message arrives. */
export function streamingBubble(chunk: AgentMessage): HTMLElement {
  return bubble({ ...chunk, id: chunk.full_message_id ?? chunk.id, type: 'streaming' }, 'agent', '', 'streaming');
}

/** A collapsible tool call; its result is filled in later by `fillToolResult`. */
export function toolCallDetails(source: string, call: ToolCall): HTMLDetailsElement {
  return h(
    'details',
    { class: 'tool', 'data-call-id': call.id },
    h(
      'summary',
      {},
      h('span', { class: 'tool-tag' }, 'tool'),
      ` ${source} calls `,
      h('code', {}, call.name),
      h('span', { class: 'tool-state' }, ' · running…'),
    ),
    h('div', { class: 'tool-body' }, h('h4', {}, 'Arguments'), h('pre', {}, prettyJson(call.arguments))),
  );
}

export function fillToolResult(details: HTMLDetailsElement, result: ToolResult): void {
  details.classList.toggle('tool-error', result.is_error === true);
  const state = details.querySelector('.tool-state');
  if (state) state.textContent = result.is_error ? ' · failed' : ' · done';
  details.querySelector('.tool-body')?.append(h('h4', {}, result.is_error ? 'Error' : 'Result'), h('pre', { class: 'tool-result' }, result.content));
}

/** A tool result whose call we never saw (e.g. a run reopened from a partial log). */
export function orphanToolResult(source: string, result: ToolResult): HTMLDetailsElement {
  const details = toolCallDetails(source, { id: result.call_id, name: result.name ?? 'tool', arguments: '' });
  details.querySelector('.tool-body')?.replaceChildren();
  fillToolResult(details, result);
  return details;
}

function multiModal(content: unknown): Node {
  const parts = Array.isArray(content) ? content : [content];
  const box = h('div', { class: 'multimodal' });
  for (const part of parts) {
    // Only inline data: images; a remote URL would make the page load from the network.
    const url = part && typeof part === 'object' && 'url' in part ? String((part as { url: unknown }).url) : null;
    if (url?.startsWith('data:image/')) box.append(h('img', { src: url, alt: String((part as { alt?: unknown }).alt ?? 'image') }));
    else box.append(h('p', {}, contentText(part)));
  }
  return box;
}

/**
 * Renders a non-tool message. Tool requests and results are handled by the RunView because a
 * result joins the details element of its call.
 */
export function renderMessage(message: AgentMessage, speaker: Speaker): HTMLElement {
  switch (message.type) {
    case 'HandoffMessage':
      return bubble(
        message,
        speaker,
        h('div', {}, h('p', { class: 'handoff-mark' }, `⇢ Hand-off to ${message.target ?? '?'}`), h('p', {}, contentText(message.content))),
        'handoff',
      );
    case 'MultiModalMessage':
      return bubble(message, speaker, multiModal(message.content));
    case 'ThoughtEvent':
      return h(
        'details',
        { class: 'thought', 'data-message-id': message.id },
        h('summary', {}, `${message.source} thinks…`),
        h('pre', {}, contentText(message.content)),
      );
    case 'SelectSpeakerEvent':
      return h(
        'p',
        { class: 'note', 'data-message-id': message.id },
        `Next speaker: ${contentText(Array.isArray(message.content) ? message.content.join(', ') : message.content)}`,
      );
    case 'ToolCallSummaryMessage':
      return bubble(message, speaker, contentText(message.content), 'tool-summary');
    case 'TextMessage':
    case 'StopMessage':
      return bubble(message, speaker, contentText(message.content));
    default:
      // An event type this page does not know yet: show it quietly rather than drop it.
      return h(
        'details',
        { class: 'note', 'data-message-id': message.id },
        h('summary', {}, `${message.source}: ${message.type}`),
        h('pre', {}, contentText(message.content)),
      );
  }
}
