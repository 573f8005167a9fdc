import type { Component } from '../common/component.js';
import type { JsonObject } from '../common/json.js';
import {
  anyOf,
  assistantAgent,
  component,
  functionTool,
  handoffTermination,
  maxMessages,
  modelClient,
  staticWorkbench,
  textMention,
  toolCall,
  userProxyAgent,
} from './component-builders.js';

/** Options of the default gallery: real OpenAI models when a key is configured, replay otherwise. */
export interface DefaultGalleryOptions {
  useOpenAI: boolean;
}

export const tools = {
  weatherForecast: functionTool('weather_forecast', 'Provides a mock weather forecast for a city.', 'def weather_forecast(city: str) -> str:'),
  calculator: functionTool('calculator', 'Basic arithmetic on two numbers.', 'def calculator(a: float, b: float, operator: str) -> str:'),
  executeOrder: functionTool('execute_order', 'Place an order for a product.', 'def execute_order(product: str, price: int) -> str:'),
  lookUpItem: functionTool('look_up_item', 'Find the item id for a description.', 'def look_up_item(search_query: str) -> str:'),
  executeRefund: functionTool('execute_refund', 'Refund an item.', 'def execute_refund(item_id: str, reason: str = "not provided") -> str:'),
};

const stopOnTerminate = (max: number) => anyOf(textMention('TERMINATE'), maxMessages(max));

function roundRobin(label: string, description: string, participants: Component[], termination: Component): Component {
  return component(
    'autogen_agentchat.teams.RoundRobinGroupChat',
    'team',
    {
      participants,
      termination_condition: termination,
      emit_team_events: false,
    },
    label,
    description,
  );
}

/** A single assistant whose reply streams token by token. */
export function streamingAssistantTeam({ useOpenAI }: DefaultGalleryOptions): Component {
  const assistant = assistantAgent({
    name: 'assistant_agent',
    description: 'A helpful assistant that streams its answers.',
    systemMessage: 'You are a helpful assistant. Answer clearly and reply TERMINATE when done.',
    model: modelClient(
      [
        'Streaming means you see my answer as it is written : each word arrives in its own chunk , so long replies start showing at once instead of after the whole answer is ready . TERMINATE',
      ],
      useOpenAI,
    ),
  });
  return roundRobin('Streaming assistant', 'One assistant whose replies stream word by word.', [assistant], stopOnTerminate(10));
}

/** The AGS default team: a chatbot that calls a weather tool, then reflects on the result. */
export function weatherChatTeam({ useOpenAI }: DefaultGalleryOptions): Component {
  const chatbot = assistantAgent({
    name: 'chatbot',
    description: 'A chatbot that can look up the weather.',
    systemMessage: "Complete tasks and reply TERMINATE when done. Use the 'weather_forecast' tool for weather-related queries.",
    model: modelClient(
      [
        toolCall('call_weather_1', 'weather_forecast', { city: 'Paris' }),
        'The forecast for Paris is sunny with a light breeze and a high of 22 degrees , a fine day to be outside . TERMINATE',
      ],
      useOpenAI,
    ),
    tools: [tools.weatherForecast],
    reflectOnToolUse: true,
    maxToolIterations: 3,
  });
  return roundRobin('Weather chat', 'A chatbot that answers weather questions with a forecast tool.', [chatbot], stopOnTerminate(10));
}

/** A Swarm: triage hands off to sales, which places an order and hands back to the user. */
export function customerSupportTeam({ useOpenAI }: DefaultGalleryOptions): Component {
  const triage = assistantAgent({
    name: 'triage_agent',
    description: 'Finds out what the customer needs and hands off to the right agent.',
    systemMessage: 'You are a customer service bot for ACME Inc. Gather information and hand off to the right agent.',
    model: modelClient([toolCall('call_triage_1', 'transfer_to_sales_agent')], useOpenAI),
    handoffs: ['sales_agent', 'issues_and_repairs_agent'],
  });
  const sales = assistantAgent({
    name: 'sales_agent',
    description: 'Sells ACME products and places orders.',
    systemMessage: 'You are a sales agent for ACME Inc. Place orders with execute_order, then hand back to the user.',
    model: modelClient(
      [toolCall('call_sales_1', 'execute_order', { product: 'rocket-powered unicycle', price: 800 }), toolCall('call_sales_2', 'transfer_to_user')],
      useOpenAI,
    ),
    tools: [tools.executeOrder],
    handoffs: ['triage_agent', { target: 'user', description: 'Ask the user for input.' }],
  });
  const repairs = assistantAgent({
    name: 'issues_and_repairs_agent',
    description: 'Handles refunds and repairs.',
    systemMessage: 'You are a customer support agent for ACME Inc. Look items up and refund them when asked.',
    model: modelClient(
      [
        toolCall('call_repairs_1', 'look_up_item', { search_query: 'rocket-powered unicycle' }),
        toolCall('call_repairs_2', 'execute_refund', { item_id: 'item_132612938', reason: 'not as described' }),
        'I have refunded your rocket-powered unicycle ; the money will be back on your card within five days . TERMINATE',
      ],
      useOpenAI,
    ),
    tools: [tools.lookUpItem, tools.executeRefund],
    handoffs: ['triage_agent'],
  });
  return component(
    'autogen_agentchat.teams.Swarm',
    'team',
    {
      participants: [triage, sales, repairs],
      termination_condition: anyOf(handoffTermination('user'), textMention('TERMINATE'), maxMessages(20)),
      emit_team_events: false,
    },
    'Customer support',
    'A Swarm of support agents that hand the conversation to each other.',
  );
}

/** An assistant drafts, a human reviews; the run ends when the human says APPROVE. */
export function humanInTheLoopTeam({ useOpenAI }: DefaultGalleryOptions): Component {
  const assistant = assistantAgent({
    name: 'assistant_agent',
    description: 'Drafts text for the user to review.',
    systemMessage: 'You are a helpful assistant. Draft what the user asks for and revise it after their feedback.',
    model: modelClient(
      [
        'Here is a first draft : the sea rolls in grey and slow , and carries the light of the morning to the shore .',
        'Revised draft : grey sea , slow tide , morning light on the shore . Say APPROVE if you like it .',
        'Final version : grey sea , slow tide , light on the shore . Thank you for the feedback .',
      ],
      useOpenAI,
    ),
  });
  const user = userProxyAgent('user_proxy', 'A human who reviews the drafts; reply APPROVE to finish.');
  return roundRobin(
    'Human in the loop',
    'An assistant and a human take turns until the human says APPROVE.',
    [assistant, user],
    anyOf(textMention('APPROVE'), maxMessages(6)),
  );
}

/** A model picks who speaks next among a planner, a writer and a critic. */
export function selectorTeam({ useOpenAI }: DefaultGalleryOptions): Component {
  const agent = (name: string, description: string, reply: string) =>
    assistantAgent({ name, description, systemMessage: `You are the ${name}. ${description}`, model: modelClient([reply], useOpenAI), stream: true });
  return component(
    'autogen_agentchat.teams.SelectorGroupChat',
    'team',
    {
      participants: [
        agent('planner', 'Plans the work.', 'Plan : the writer drafts a short paragraph , then the critic reviews it .'),
        agent('writer', 'Writes the text.', 'Here is the paragraph : small teams move fast because every voice is heard . TERMINATE'),
        agent('critic', 'Reviews the text.', 'Looks good : clear , short and to the point .'),
      ],
      model_client: modelClient(['planner', 'writer', 'critic'], useOpenAI),
      selector_prompt:
        'You are in a role play game. The following roles are available:\n{roles}.\nRead the following conversation. Then select the next role from {participants} to play. Only return the role.\n\n{history}\n\nRead the above conversation. Then select the next role from {participants} to play. Only return the role.',
      allow_repeated_speaker: false,
      max_selector_attempts: 3,
      termination_condition: stopOnTerminate(10),
      emit_team_events: false,
    },
    'Selector team',
    'A model chooses the next speaker among a planner, a writer and a critic.',
  );
}

/** The team a user with no team gets on `GET /api/teams/` (AGS seeds its weather chat too). */
export const defaultTeam = weatherChatTeam;

/** The default gallery config (protocol §1.2): the five demo teams and their parts. */
export function defaultGalleryConfig(options: DefaultGalleryOptions, now = new Date()): JsonObject {
  const teams = [
    streamingAssistantTeam(options),
    weatherChatTeam(options),
    customerSupportTeam(options),
    humanInTheLoopTeam(options),
    selectorTeam(options),
  ];
  const weatherAgent = (weatherChatTeam(options).config.participants as Component[])[0];
  return {
    id: 'gallery_default',
    name: 'TeamStream Default Gallery',
    url: null,
    metadata: {
      author: 'TeamStream',
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      version: '1.0.0',
      description: 'Demo teams that run without an API key (scripted replay models) or with OpenAI when OPENAI_API_KEY is set.',
      tags: ['demo', 'streaming', 'tools', 'handoffs', 'human-in-the-loop', 'selector'],
      license: 'MIT',
      category: 'conversation',
    },
    components: {
      teams,
      agents: [weatherAgent, userProxyAgent('user_proxy', 'A human user.')],
      models: [
        modelClient(['Hello ! How can I help you today ?'], false),
        component(
          'autogen_ext.models.openai.OpenAIChatCompletionClient',
          'model',
          { model: 'gpt-4o-mini' },
          'OpenAIChatCompletionClient',
          'OpenAI GPT-4o-mini',
        ),
      ],
      tools: Object.values(tools),
      workbenches: [staticWorkbench([tools.weatherForecast, tools.calculator])],
      terminations: [textMention('TERMINATE'), maxMessages(10), stopOnTerminate(10)],
    },
  };
}
