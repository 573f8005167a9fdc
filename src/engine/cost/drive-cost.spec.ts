/**
 * The run driver prices each call once, where every front end's messages pass: the message's
 * `models_usage.cost` and the outcome's `cost` (AG2's run completion shape) agree; without prices,
 * or for an untagged or unknown model, nothing carries a cost.
 */
import { describe, expect, it } from 'vitest';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { TextMentionTermination } from '../conditions/text-conditions.js';
import { driveTeam } from '../driver/drive-team.js';
import type { RunOutcome } from '../driver/run-outcome.js';
import type { AgentMessage } from '../messages.js';
import type { ChatCompletionClient, CreateResult, ModelStreamItem } from '../models/model-client.js';
import { RoundRobinGroupChat } from '../teams/round-robin-group-chat.js';
import { builtInPrices } from './prices.js';
import { tagUsageModel } from './usage-model.js';

/** A model client whose calls report `model` (as a provider's response does), 1000 prompt / 500 completion tokens each. */
function reportingClient(model: string | undefined, replies: string[]): ChatCompletionClient {
  const next = (): CreateResult => ({
    finish_reason: 'stop',
    content: replies.shift() ?? 'TERMINATE',
    usage: tagUsageModel({ prompt_tokens: 1000, completion_tokens: 500 }, model),
    cached: false,
  });
  return {
    modelInfo: { vision: false, function_calling: false, json_output: false, family: 'unknown' },
    create: async () => next(),
    async *createStream(): AsyncIterable<ModelStreamItem> {
      yield next();
    },
    close: async () => undefined,
  };
}

async function run(model: string | undefined, withPrices = true): Promise<{ messages: AgentMessage[]; outcome: RunOutcome }> {
  const team = new RoundRobinGroupChat({
    participants: [new AssistantAgent({ name: 'a', modelClient: reportingClient(model, ['one', 'two TERMINATE']), systemMessage: null })],
    terminationCondition: new TextMentionTermination('TERMINATE'),
  });
  const messages: AgentMessage[] = [];
  let outcome: RunOutcome | undefined;
  for await (const event of driveTeam(team, 'go', withPrices ? { prices: builtInPrices() } : {})) {
    if (event.type === 'message') messages.push(event.message);
    else outcome = event.outcome;
  }
  return { messages, outcome: outcome! };
}

describe('driveTeam with prices', () => {
  it('sets models_usage.cost on each priced call and the run cost on the outcome (gpt-4o: $2.50 / $10 per 1M)', async () => {
    const { messages, outcome } = await run('gpt-4o-2024-08-06');
    // 1000 × 2.5e-6 + 500 × 1e-5 = 0.0075 per call
    expect(messages.filter((m) => m.models_usage).map((m) => m.models_usage!.cost)).toEqual([0.0075, 0.0075]);
    expect(outcome.usage).toEqual({ prompt_tokens: 2000, completion_tokens: 1000 });
    expect(outcome.cost?.usage_including_cached_inference).toEqual({
      total_cost: 0.015,
      'gpt-4o-2024-08-06': { cost: 0.015, prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 },
    });
    // The TaskResult's messages are the same objects: priced too.
    expect(outcome.messages.filter((m) => m.models_usage).every((m) => m.models_usage!.cost === 0.0075)).toBe(true);
  });

  it('an unknown model, an untagged usage, or no prices: usage without cost, no run cost', async () => {
    for (const { messages, outcome } of [await run('fake-model'), await run(undefined), await run('gpt-4o', false)]) {
      expect(messages.filter((m) => m.models_usage).every((m) => !('cost' in m.models_usage!))).toBe(true);
      expect(outcome.usage).toEqual({ prompt_tokens: 2000, completion_tokens: 1000 });
      expect('cost' in outcome).toBe(false);
    }
  });
});
