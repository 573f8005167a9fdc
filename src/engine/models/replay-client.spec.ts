import { describe, expect, it } from 'vitest';
import { CancelledError, ModelError } from '../errors.js';
import type { CreateResult, LLMMessage, ModelStreamItem } from './model-client.js';
import { ReplayChatCompletionClient } from './replay-client.js';

const messages: LLMMessage[] = [
  { type: 'SystemMessage', content: 'Be brief.' },
  { type: 'UserMessage', content: 'What is two plus two?', source: 'user' },
];

async function collect(stream: AsyncIterable<ModelStreamItem>): Promise<ModelStreamItem[]> {
  const items: ModelStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe(ReplayChatCompletionClient.name, () => {
  it('streams a string as one chunk per whitespace-separated token, then the whole result', async () => {
    const client = new ReplayChatCompletionClient(['a b  c']);
    const items = await collect(client.createStream(messages));

    expect(items.slice(0, -1)).toEqual(['a ', 'b ', 'c']);
    expect(items.at(-1)).toEqual({ finish_reason: 'stop', content: 'a b  c', usage: { prompt_tokens: 7, completion_tokens: 3 }, cached: false });
  });

  it('counts prompt tokens over the request messages and completion tokens over the reply', async () => {
    const client = new ReplayChatCompletionClient(['four is the answer']);
    const result = await client.create(messages);

    expect(result.usage).toEqual({ prompt_tokens: 7, completion_tokens: 4 });
  });

  it('returns result objects whole, with no chunks and their own usage', async () => {
    const scripted: CreateResult = {
      finish_reason: 'function_calls',
      content: [{ id: 'call_1', name: 'calculator', arguments: '{"a":2,"b":2,"operator":"+"}' }],
      usage: { prompt_tokens: 40, completion_tokens: 12 },
      cached: false,
    };
    const client = new ReplayChatCompletionClient([scripted]);

    await expect(collect(client.createStream(messages))).resolves.toEqual([scripted]);
  });

  it('answers entries in order and fails with a ModelError when it runs out', async () => {
    const client = new ReplayChatCompletionClient(['first', 'second']);

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'first' });
    await expect(client.create(messages)).resolves.toMatchObject({ content: 'second' });
    expect(client.remaining).toBe(0);
    await expect(client.create(messages)).rejects.toThrow(ModelError);
    await expect(collect(client.createStream(messages))).rejects.toThrow(/no more scripted completions/);
  });

  it('starts over after reset()', async () => {
    const client = new ReplayChatCompletionClient(['only']);
    await client.create(messages);
    client.reset();

    await expect(client.create(messages)).resolves.toMatchObject({ content: 'only' });
  });

  it('rejects with CancelledError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort('Stop now');
    const client = new ReplayChatCompletionClient(['never']);

    await expect(client.create(messages, { signal: controller.signal })).rejects.toThrow(CancelledError);
    await expect(collect(client.createStream(messages, { signal: controller.signal }))).rejects.toMatchObject({ reason: 'Stop now' });
  });

  it('stops a stream when the signal aborts between chunks', async () => {
    const controller = new AbortController();
    const client = new ReplayChatCompletionClient(['one two three four']);
    const seen: ModelStreamItem[] = [];
    const run = (async () => {
      for await (const item of client.createStream(messages, { signal: controller.signal })) {
        seen.push(item);
        if (seen.length === 2) controller.abort('User requested stop');
      }
    })();

    await expect(run).rejects.toThrow(CancelledError);
    expect(seen).toEqual(['one ', 'two ']);
  });
});
