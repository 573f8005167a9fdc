/** Registry entries for the termination conditions (`autogen_agentchat.conditions.*`, `…base.Or/And`). */
import { z } from 'zod';
import { AndTerminationCondition, OrTerminationCondition } from '../conditions/termination-condition.js';
import { ExternalTermination, MaxMessageTermination, TimeoutTermination, TokenUsageTermination } from '../conditions/limit-conditions.js';
import {
  HandoffTermination,
  SourceMatchTermination,
  StopMessageTermination,
  TextMentionTermination,
  TextMessageTermination,
} from '../conditions/text-conditions.js';
import { ComponentModelSchema } from './component-model.js';
import { defineEntry, type RegistryEntry } from './registry-types.js';

const C = 'autogen_agentchat.conditions';
const composite = z.object({ conditions: z.array(ComponentModelSchema).min(1) });
const tokenLimit = z.number().int().positive().nullish();

export const conditionEntries: RegistryEntry[] = [
  defineEntry({
    provider: `${C}.TextMentionTermination`,
    componentType: 'termination',
    schema: z.object({ text: z.string().min(1), sources: z.array(z.string()).nullish() }),
    load: (c) => new TextMentionTermination(c.text, c.sources ?? undefined),
  }),
  defineEntry({
    provider: `${C}.MaxMessageTermination`,
    componentType: 'termination',
    schema: z.object({ max_messages: z.number().int().positive(), include_agent_event: z.boolean().nullish() }),
    load: (c) => new MaxMessageTermination(c.max_messages, c.include_agent_event ?? false),
  }),
  defineEntry({
    provider: `${C}.HandoffTermination`,
    componentType: 'termination',
    schema: z.object({ target: z.string().min(1) }),
    load: (c) => new HandoffTermination(c.target),
  }),
  defineEntry({
    provider: `${C}.TimeoutTermination`,
    componentType: 'termination',
    schema: z.object({ timeout_seconds: z.number().positive() }),
    load: (c) => new TimeoutTermination(c.timeout_seconds),
  }),
  defineEntry({
    provider: `${C}.TokenUsageTermination`,
    componentType: 'termination',
    schema: z
      .object({ max_total_token: tokenLimit, max_prompt_token: tokenLimit, max_completion_token: tokenLimit })
      .refine((c) => c.max_total_token != null || c.max_prompt_token != null || c.max_completion_token != null, {
        message: 'set at least one of max_total_token, max_prompt_token, max_completion_token',
      }),
    load: (c) => new TokenUsageTermination(c),
  }),
  defineEntry({
    provider: `${C}.StopMessageTermination`,
    componentType: 'termination',
    schema: z.object({}),
    load: () => new StopMessageTermination(),
  }),
  defineEntry({
    provider: `${C}.ExternalTermination`,
    componentType: 'termination',
    schema: z.object({}),
    load: () => new ExternalTermination(),
  }),
  defineEntry({
    provider: `${C}.SourceMatchTermination`,
    componentType: 'termination',
    schema: z.object({ sources: z.array(z.string().min(1)).min(1) }),
    load: (c) => new SourceMatchTermination(c.sources),
  }),
  defineEntry({
    provider: `${C}.TextMessageTermination`,
    componentType: 'termination',
    schema: z.object({ source: z.string().nullish() }),
    load: (c) => new TextMessageTermination(c.source ?? undefined),
  }),
  defineEntry({
    provider: 'autogen_agentchat.base.OrTerminationCondition',
    componentType: 'termination',
    schema: composite,
    load: (c, scope) => new OrTerminationCondition(c.conditions.map((m, i) => scope.load(m, 'termination', 'conditions', i))),
  }),
  defineEntry({
    provider: 'autogen_agentchat.base.AndTerminationCondition',
    componentType: 'termination',
    schema: composite,
    load: (c, scope) => new AndTerminationCondition(c.conditions.map((m, i) => scope.load(m, 'termination', 'conditions', i))),
  }),
];
