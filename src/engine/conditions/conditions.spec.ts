import { describe, expect, it } from 'vitest';
import { RunStateError } from '../errors.js';
import { createMessage, type AgentMessage } from '../messages.js';
import { ExternalTermination, MaxMessageTermination, TimeoutTermination, TokenUsageTermination } from './limit-conditions.js';
import { AndTerminationCondition, OrTerminationCondition, flattenConditions } from './termination-condition.js';
import {
  HandoffTermination,
  SourceMatchTermination,
  StopMessageTermination,
  TextMentionTermination,
  TextMessageTermination,
} from './text-conditions.js';

const text = (content: string, source = 'agent'): AgentMessage => createMessage('TextMessage', source, { content });
const toolRequest = (source = 'agent'): AgentMessage =>
  createMessage(
    'ToolCallRequestEvent',
    source,
    { content: [{ id: '1', name: 'f', arguments: '{}' }] },
    {
      models_usage: { prompt_tokens: 10, completion_tokens: 5 },
    },
  );

describe(TextMentionTermination.name, () => {
  it('fires on the text with AgentChat’s stop reason, and stays quiet otherwise', () => {
    const c = new TextMentionTermination('TERMINATE');
    expect(c.check([text('working on it')])).toBeNull();
    expect(c.terminated).toBe(false);
    const stop = c.check([text('done. TERMINATE')]);
    expect(stop?.content).toBe("Text 'TERMINATE' mentioned");
    expect(stop?.type).toBe('StopMessage');
    expect(c.terminated).toBe(true);
  });

  it('only listens to the given sources', () => {
    const c = new TextMentionTermination('APPROVE', ['user_proxy']);
    expect(c.check([text('APPROVE', 'assistant')])).toBeNull();
    expect(c.check([text('APPROVE', 'user_proxy')])?.content).toBe("Text 'APPROVE' mentioned");
  });

  it('refuses to be checked again until reset', () => {
    const c = new TextMentionTermination('X');
    c.check([text('X')]);
    expect(() => c.check([text('y')])).toThrow(RunStateError);
    c.reset();
    expect(c.check([text('y')])).toBeNull();
  });
});

describe(MaxMessageTermination.name, () => {
  it('counts chat messages across checks', () => {
    const c = new MaxMessageTermination(3);
    expect(c.check([text('a'), toolRequest()])).toBeNull();
    expect(c.check([text('b')])).toBeNull();
    expect(c.check([text('c')])?.content).toBe('Maximum number of messages 3 reached, current message count: 3');
  });

  it('counts events too with include_agent_event', () => {
    const c = new MaxMessageTermination(2, true);
    expect(c.check([text('a'), toolRequest()])?.content).toBe('Maximum number of messages 2 reached, current message count: 2');
  });

  it('starts counting again after reset', () => {
    const c = new MaxMessageTermination(2);
    c.check([text('a'), text('b')]);
    c.reset();
    expect(c.check([text('c')])).toBeNull();
  });
});

describe(HandoffTermination.name, () => {
  it('fires on a hand-off to its target only', () => {
    const c = new HandoffTermination('user');
    const toSales = createMessage('HandoffMessage', 'triage', { content: 'x', target: 'sales', context: [] });
    const toUser = createMessage('HandoffMessage', 'sales', { content: 'x', target: 'user', context: [] });
    expect(c.check([toSales])).toBeNull();
    expect(c.check([toUser])?.content).toBe('Handoff to user from sales detected.');
  });
});

describe(StopMessageTermination.name, () => {
  it('fires on a StopMessage', () => {
    const c = new StopMessageTermination();
    expect(c.check([text('a')])).toBeNull();
    expect(c.check([createMessage('StopMessage', 'a', { content: 'bye' })])?.content).toBe('Stop message received');
  });
});

describe(SourceMatchTermination.name, () => {
  it('fires when a listed source speaks', () => {
    const c = new SourceMatchTermination(['critic']);
    expect(c.check([text('a', 'writer')])).toBeNull();
    expect(c.check([text('ok', 'critic')])?.content).toBe("'critic' answered");
  });
});

describe(TextMessageTermination.name, () => {
  it('fires on a TextMessage from the source (or anyone), not on events', () => {
    const any = new TextMessageTermination();
    expect(any.check([toolRequest()])).toBeNull();
    expect(any.check([text('hi', 'bob')])?.content).toBe("Text message received from 'bob'");
    const bobOnly = new TextMessageTermination('bob');
    expect(bobOnly.check([text('hi', 'alice')])).toBeNull();
    expect(bobOnly.check([text('hi', 'bob')])).not.toBeNull();
  });
});

describe(TokenUsageTermination.name, () => {
  it('adds up models_usage and fires at a limit with AgentChat’s text', () => {
    const c = new TokenUsageTermination({ max_total_token: 30 });
    expect(c.check([toolRequest()])).toBeNull();
    expect(c.check([toolRequest()])?.content).toBe(
      'Token usage limit reached, total token count: 30, prompt token count: 20, completion token count: 10.',
    );
  });

  it('honours the prompt and completion limits separately', () => {
    expect(new TokenUsageTermination({ max_prompt_token: 10 }).check([toolRequest()])).not.toBeNull();
    expect(new TokenUsageTermination({ max_completion_token: 6 }).check([toolRequest()])).toBeNull();
  });
});

describe(TimeoutTermination.name, () => {
  it('fires once the time since the run started has passed', () => {
    let now = 0;
    const c = new TimeoutTermination(5, () => now);
    now = 4_000;
    c.onRunStart();
    now = 8_000;
    expect(c.check([])).toBeNull();
    now = 9_000;
    expect(c.check([])?.content).toBe('Timeout of 5 seconds reached');
  });
});

describe(ExternalTermination.name, () => {
  it('fires at the next check after set()', () => {
    const c = new ExternalTermination();
    expect(c.check([text('a')])).toBeNull();
    c.set();
    expect(c.check([])?.content).toBe('External termination requested');
    c.reset();
    expect(c.check([])).toBeNull();
  });
});

describe(OrTerminationCondition.name, () => {
  it('fires when any fires, joining the reasons of those that fired together', () => {
    const c = new TextMentionTermination('A').or(new TextMentionTermination('B'), new MaxMessageTermination(10));
    expect(c.check([text('nothing')])).toBeNull();
    expect(c.check([text('A and B')])?.content).toBe("Text 'A' mentioned, Text 'B' mentioned");
    expect(c.terminated).toBe(true);
    expect(() => c.check([text('x')])).toThrow(RunStateError);
  });

  it('resets every child', () => {
    const max = new MaxMessageTermination(2);
    const c = new OrTerminationCondition([new TextMentionTermination('A'), max]);
    c.check([text('x'), text('y')]);
    c.reset();
    expect(max.terminated).toBe(false);
    expect(c.check([text('z')])).toBeNull();
  });
});

describe(AndTerminationCondition.name, () => {
  it('fires once all have fired, possibly at different checks', () => {
    const c = new TextMentionTermination('A').and(new TextMentionTermination('B'));
    expect(c.check([text('A')])).toBeNull();
    expect(c.terminated).toBe(false);
    expect(c.check([text('B')])?.content).toBe("Text 'A' mentioned, Text 'B' mentioned");
    c.reset();
    expect(c.check([text('B')])).toBeNull();
  });

  it('nests inside Or, and Or inside And', () => {
    const external = new ExternalTermination();
    const nested = new OrTerminationCondition([
      new AndTerminationCondition([new TextMentionTermination('A'), new MaxMessageTermination(2)]),
      external,
    ]);
    expect(nested.check([text('A')])).toBeNull();
    expect(nested.check([text('b')])?.content).toBe("Text 'A' mentioned, Maximum number of messages 2 reached, current message count: 2");
    nested.reset();
    external.set();
    expect(nested.check([text('c')])?.content).toBe('External termination requested');

    const outer = new AndTerminationCondition([
      new OrTerminationCondition([new TextMentionTermination('X'), new TextMentionTermination('Y')]),
      new SourceMatchTermination(['z']),
    ]);
    expect(outer.check([text('Y', 'q')])).toBeNull();
    expect(outer.check([text('-', 'z')])?.content).toBe("Text 'Y' mentioned, 'z' answered");
    expect(flattenConditions(outer)).toHaveLength(5);
  });
});
