/**
 * Registry entries for the rest of AgentChat's agent and team catalogue: SocietyOfMindAgent,
 * MessageFilterAgent, CodeExecutorAgent, AgentTool / TeamTool, GraphFlow and
 * MagenticOneGroupChat. Configs are AgentChat's `_to_config` shapes, as AGS writes them.
 */
import { z } from 'zod';
import { CodeExecutorAgent } from '../agents/code-executor-agent.js';
import { MessageFilterAgent, MessageFilterConfigSchema } from '../agents/message-filter-agent.js';
import { SocietyOfMindAgent } from '../agents/society-of-mind-agent.js';
import { AgentTool, TeamTool } from '../agents/task-runner-tools.js';
import { GraphFlow } from '../teams/graph-flow/graph-flow.js';
import { MagenticOneGroupChat } from '../teams/magentic-one/magentic-one-group-chat.js';
import { DiGraphSchema } from '../teams/graph-flow/digraph.js';
import { ComponentModelSchema } from './component-model.js';
import { ComponentConfigError, defineEntry, type RegistryEntry } from './registry-types.js';

export const catalogAgentEntries: RegistryEntry[] = [
  defineEntry({
    provider: 'autogen_agentchat.teams.MagenticOneGroupChat',
    componentType: 'team',
    schema: z.object({
      name: z.string().min(1).nullish(),
      description: z.string().nullish(),
      participants: z.array(ComponentModelSchema).min(1),
      model_client: ComponentModelSchema,
      termination_condition: ComponentModelSchema.nullish(),
      max_turns: z.number().int().positive().nullish(),
      max_stalls: z.number().int().positive().nullish(),
      final_answer_prompt: z.string().min(1).nullish(),
      emit_team_events: z.boolean().nullish(),
    }),
    // AgentChat's orchestrator takes agents only (a team's response is an error there). A config
    // without max_turns has no limit, as AgentChat's MagenticOneGroupChatConfig (default None).
    load: (c, scope) =>
      new MagenticOneGroupChat({
        name: c.name ?? undefined,
        description: c.description ?? undefined,
        participants: c.participants.map((p, i) => scope.load(p, 'agent', 'participants', i)),
        modelClient: scope.load(c.model_client, 'model', 'model_client'),
        terminationCondition: c.termination_condition ? scope.load(c.termination_condition, 'termination', 'termination_condition') : undefined,
        maxTurns: c.max_turns ?? null,
        maxStalls: c.max_stalls ?? 3,
        finalAnswerPrompt: c.final_answer_prompt ?? undefined,
        emitTeamEvents: c.emit_team_events ?? false,
      }),
  }),
  defineEntry({
    provider: 'autogen_agentchat.teams.GraphFlow',
    componentType: 'team',
    schema: z.object({
      name: z.string().min(1).nullish(),
      description: z.string().nullish(),
      participants: z.array(ComponentModelSchema).min(1),
      termination_condition: ComponentModelSchema.nullish(),
      max_turns: z.number().int().positive().nullish(),
      graph: DiGraphSchema,
    }),
    // AgentChat's GraphFlow takes agents only (a team participant is a TypeError there).
    load: (c, scope) =>
      new GraphFlow({
        name: c.name ?? undefined,
        description: c.description ?? undefined,
        participants: c.participants.map((p, i) => scope.load(p, 'agent', 'participants', i)),
        terminationCondition: c.termination_condition ? scope.load(c.termination_condition, 'termination', 'termination_condition') : undefined,
        maxTurns: c.max_turns ?? null,
        graph: c.graph,
      }),
  }),
  defineEntry({
    provider: 'autogen_agentchat.agents.SocietyOfMindAgent',
    componentType: 'agent',
    schema: z.object({
      name: z.string().min(1),
      team: ComponentModelSchema,
      model_client: ComponentModelSchema,
      description: z.string().nullish(),
      instruction: z.string().nullish(),
      response_prompt: z.string().nullish(),
      model_context: ComponentModelSchema.nullish(),
    }),
    load: (c, scope) =>
      new SocietyOfMindAgent({
        name: c.name,
        team: scope.load(c.team, 'team', 'team'),
        modelClient: scope.load(c.model_client, 'model', 'model_client'),
        description: c.description ?? undefined,
        instruction: c.instruction ?? undefined,
        responsePrompt: c.response_prompt ?? undefined,
        modelContext: c.model_context ? scope.load(c.model_context, 'chat_completion_context', 'model_context') : undefined,
      }),
  }),
  defineEntry({
    provider: 'autogen_agentchat.agents.MessageFilterAgent',
    componentType: 'agent',
    schema: z.object({ name: z.string().min(1), wrapped_agent: ComponentModelSchema, filter: MessageFilterConfigSchema }),
    load: (c, scope) => new MessageFilterAgent(c.name, scope.load(c.wrapped_agent, 'agent', 'wrapped_agent'), c.filter),
  }),
  defineEntry({
    provider: 'autogen_agentchat.agents.CodeExecutorAgent',
    componentType: 'agent',
    schema: z.object({
      name: z.string().min(1),
      code_executor: ComponentModelSchema,
      model_client: ComponentModelSchema.nullish(),
      description: z.string().nullish(),
      sources: z.array(z.string()).nullish(),
      system_message: z.string().nullish(),
      model_client_stream: z.boolean().nullish(),
      model_context: ComponentModelSchema.nullish(),
      supported_languages: z.array(z.string().min(1)).min(1).nullish(),
    }),
    load: (c, scope, raw) => {
      if (!scope.ctx.python) {
        throw new ComponentConfigError(
          'config.code_executor',
          'CodeExecutorAgent runs code only in the Python sandbox, which is off on this server',
          'Turn Python tools on (PYTHON_TOOLS=sandbox) or remove the agent',
        );
      }
      if (c.model_client) {
        throw new ComponentConfigError(
          'config.model_client',
          'a CodeExecutorAgent with its own model client is not supported (its CodeGenerationEvent / CodeExecutionEvent messages are not in the protocol)',
          'Remove `model_client` and let an AssistantAgent write the code blocks',
        );
      }
      scope.ctx.python.warm();
      return new CodeExecutorAgent({
        name: c.name,
        sandbox: scope.ctx.python,
        codeExecutor: raw.code_executor as Record<string, unknown>,
        description: c.description,
        sources: c.sources,
        systemMessage: 'system_message' in raw ? c.system_message : undefined,
        supportedLanguages: c.supported_languages,
        modelContext: c.model_context ? scope.load(c.model_context, 'chat_completion_context', 'model_context') : undefined,
      });
    },
  }),
  defineEntry({
    provider: 'autogen_agentchat.tools.AgentTool',
    componentType: 'tool',
    schema: z.object({ agent: ComponentModelSchema, return_value_as_last_message: z.boolean().nullish() }),
    load: (c, scope) => new AgentTool(scope.load(c.agent, 'agent', 'agent'), c.return_value_as_last_message ?? false),
  }),
  defineEntry({
    provider: 'autogen_agentchat.tools.TeamTool',
    componentType: 'tool',
    schema: z.object({
      name: z.string().min(1),
      description: z.string(),
      team: ComponentModelSchema,
      return_value_as_last_message: z.boolean().nullish(),
    }),
    load: (c, scope) => new TeamTool(scope.load(c.team, 'team', 'team'), c.name, c.description, c.return_value_as_last_message ?? false),
  }),
];
