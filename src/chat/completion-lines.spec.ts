import { describe, expect, it } from 'vitest';
import { createMessage, type AgentMessage } from '../engine/index.js';
import { CompletionLines, nextSpeakerAfter } from './completion-lines.js';
import { eventText } from './event-text.js';

const call = { id: 'c1', name: 'weather_forecast', arguments: '{"city":"Paris"}' };
const result = { content: 'sunny', name: 'weather_forecast', call_id: 'c1', is_error: false };

/** One of every message and event type, in the order a run could yield them. */
function everyKind(): AgentMessage[] {
  const final = createMessage('TextMessage', 'a', { content: 'Hello world' });
  return [
    createMessage('SelectSpeakerEvent', 'manager', { content: ['a'] }),
    createMessage('ThoughtEvent', 'a', { content: 'hmm' }),
    createMessage('ToolCallRequestEvent', 'a', { content: [call] }),
    createMessage('ToolCallExecutionEvent', 'a', { content: [result, { ...result, content: 'boom', is_error: true }] }),
    createMessage('ModelClientStreamingChunkEvent', 'a', { content: 'Hello ', full_message_id: final.id }),
    createMessage('ModelClientStreamingChunkEvent', 'a', { content: 'world', full_message_id: final.id }),
    final,
    createMessage('ToolCallSummaryMessage', 'a', { content: 'sunny', tool_calls: [call], results: [result] }),
    createMessage('MultiModalMessage', 'a', { content: ['look', { url: 'data:image/png;base64,AA==' }] }),
    createMessage('StopMessage', 'a', { content: 'stop' }),
    createMessage('UserInputRequestedEvent', 'u', { request_id: 'r1', content: '' }),
    createMessage('HandoffMessage', 'a', { content: 'Transferred', target: 'b', context: [] }),
  ];
}

describe(CompletionLines.name, () => {
  it('maps every kind: chunks as deltas (the streamed message not again), tools and hand-offs as function lines', () => {
    const task = createMessage('TextMessage', 'user', { content: 'hi' });
    const lines = new CompletionLines(new Set([task.id]));
    const out = [task, ...everyKind()].flatMap((m) => lines.of(m)).map((l) => `${l.content.type}:${l.content.message}`);
    expect(out).toEqual([
      'function:weather_forecast({"city":"Paris"})',
      'function:weather_forecast → sunny',
      'function:weather_forecast failed: boom',
      'string:Hello ',
      'string:world',
      'string:sunny',
      'string:look\n<image>',
      'string:stop',
      'function:a → handoff to b',
    ]);
  });
});

describe(eventText.name, () => {
  it('gives each kind one readable frame, and none for chunks and input requests', () => {
    expect(everyKind().map(eventText)).toEqual([
      '[next speaker] a',
      'a (thinking): hmm',
      '[tool] weather_forecast({"city":"Paris"})',
      '[result] weather_forecast → sunny\n[result] weather_forecast failed: boom',
      null,
      null,
      'a: Hello world',
      'a: sunny',
      'a: look\n<image>',
      'a: stop',
      null,
      'a → handoff to b: Transferred',
    ]);
  });
});

describe(nextSpeakerAfter.name, () => {
  const team = new Set(['triage', 'sales']);
  it('follows hand-offs to participants, stays with the agent that handed off to the user, and ignores events', () => {
    const handoff = (source: string, target: string) => createMessage('HandoffMessage', source, { content: '', target, context: [] });
    expect(nextSpeakerAfter(null, createMessage('TextMessage', 'user', { content: 'hi' }), team)).toBeNull();
    expect(nextSpeakerAfter(null, handoff('triage', 'sales'), team)).toBe('sales');
    expect(nextSpeakerAfter('sales', handoff('sales', 'user'), team)).toBe('sales');
    expect(nextSpeakerAfter('sales', createMessage('TextMessage', 'triage', { content: 'x' }), team)).toBe('triage');
    expect(nextSpeakerAfter('sales', createMessage('ToolCallRequestEvent', 'triage', { content: [call] }), team)).toBe('sales');
  });
});
