/** Registry entries for the teams (`autogen_agentchat.teams.*`) and agents (`autogen_agentchat.agents.*`). */
import { z } from 'zod';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { HandoffConfigSchema } from '../agents/handoffs.js';
import { UserProxyAgent } from '../agents/user-proxy-agent.js';
import { RoundRobinGroupChat } from '../teams/round-robin-group-chat.js';
import { SelectorGroupChat } from '../teams/selector-group-chat.js';
import { Swarm } from '../teams/swarm.js';
import type { GroupChatOptions } from '../teams/group-chat.js';
import { loadParticipant } from '../teams/team-participant.js';
import { ComponentModelSchema } from './component-model.js';
import { defineEntry, type LoadScope, type RegistryEntry } from './registry-types.js';

export const groupChatShape = {
  name: z.string().min(1).nullish(),
  description: z.string().nullish(),
  participants: z.array(ComponentModelSchema).min(1),
  termination_condition: ComponentModelSchema.nullish(),
  max_turns: z.number().int().positive().nullish(),
  emit_team_events: z.boolean().nullish(),
};
const GroupChatSchema = z.object(groupChatShape);

export function groupChatOptions(c: z.output<typeof GroupChatSchema>, scope: LoadScope): GroupChatOptions {
  return {
    participants: c.participants.map((p, i) => loadParticipant(p, scope, i)),
    name: c.name ?? undefined,
    description: c.description ?? undefined,
    terminationCondition: c.termination_condition ? scope.load(c.termination_condition, 'termination', 'termination_condition') : undefined,
    maxTurns: c.max_turns ?? null,
    emitTeamEvents: c.emit_team_events ?? false,
  };
}

const AssistantAgentSchema = z.object({
  name: z.string().min(1),
  description: z.string().nullish(),
  system_message: z.string().nullish(),
  model_client: ComponentModelSchema,
  tools: z.array(ComponentModelSchema).nullish(),
  // AgentChat accepts one workbench or a list.
  workbench: z.union([z.array(ComponentModelSchema), ComponentModelSchema]).nullish(),
  handoffs: z.array(HandoffConfigSchema).nullish(),
  model_context: ComponentModelSchema.nullish(),
  model_client_stream: z.boolean().nullish(),
  reflect_on_tool_use: z.boolean().nullish(),
  tool_call_summary_format: z.string().nullish(),
  max_tool_iterations: z.number().int().min(1).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  memory: z.array(ComponentModelSchema).nullish(),
});

export const agentAndTeamEntries: RegistryEntry[] = [
  defineEntry({
    provider: 'autogen_agentchat.teams.RoundRobinGroupChat',
    componentType: 'team',
    schema: GroupChatSchema,
    load: (c, scope) => new RoundRobinGroupChat(groupChatOptions(c, scope)),
  }),
  defineEntry({
    provider: 'autogen_agentchat.teams.SelectorGroupChat',
    componentType: 'team',
    schema: z.object({
      ...groupChatShape,
      model_client: ComponentModelSchema,
      selector_prompt: z.string().nullish(),
      allow_repeated_speaker: z.boolean().nullish(),
      max_selector_attempts: z.number().int().positive().nullish(),
      model_client_streaming: z.boolean().nullish(),
    }),
    load: (c, scope) =>
      new SelectorGroupChat({
        ...groupChatOptions(c, scope),
        modelClient: scope.load(c.model_client, 'model', 'model_client'),
        selectorPrompt: c.selector_prompt ?? undefined,
        allowRepeatedSpeaker: c.allow_repeated_speaker ?? false,
        maxSelectorAttempts: c.max_selector_attempts ?? 3,
        modelClientStreaming: c.model_client_streaming ?? undefined,
      }),
  }),
  defineEntry({
    provider: 'autogen_agentchat.teams.Swarm',
    componentType: 'team',
    schema: GroupChatSchema,
    load: (c, scope) => new Swarm(groupChatOptions(c, scope)),
  }),
  defineEntry({
    provider: 'autogen_agentchat.agents.AssistantAgent',
    componentType: 'agent',
    schema: AssistantAgentSchema,
    load: (c, scope) => {
      const workbench = c.workbench == null ? undefined : Array.isArray(c.workbench) ? c.workbench : [c.workbench];
      return new AssistantAgent({
        name: c.name,
        description: c.description ?? undefined,
        systemMessage: c.system_message,
        modelClient: scope.load(c.model_client, 'model', 'model_client'),
        tools: c.tools ? c.tools.map((t, i) => scope.load(t, 'tool', 'tools', i)) : undefined,
        workbench: workbench?.map((w, i) => scope.load(w, 'workbench', 'workbench', i)),
        handoffs: c.handoffs ?? [],
        modelContext: c.model_context ? scope.load(c.model_context, 'chat_completion_context', 'model_context') : undefined,
        memory: c.memory?.map((m, i) => scope.load(m, 'memory', 'memory', i)),
        modelClientStream: c.model_client_stream ?? false,
        reflectOnToolUse: c.reflect_on_tool_use ?? false,
        toolCallSummaryFormat: c.tool_call_summary_format ?? '{result}',
        maxToolIterations: c.max_tool_iterations ?? 1,
        metadata: c.metadata ?? {},
        llmCallEvents: scope.ctx.llmCallEvents ?? false,
        ...(scope.ctx.observer ? { observer: scope.ctx.observer } : {}),
      });
    },
  }),
  defineEntry({
    provider: 'autogen_agentchat.agents.UserProxyAgent',
    componentType: 'agent',
    schema: z.object({ name: z.string().min(1), description: z.string().nullish() }),
    load: (c) => new UserProxyAgent({ name: c.name, description: c.description ?? undefined }),
  }),
];
