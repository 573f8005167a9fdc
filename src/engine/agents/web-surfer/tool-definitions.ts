/**
 * The web surfer's actions as tool schemas the model chooses from (AgentChat's
 * _tool_definitions.py: same names and arguments; descriptions in our words). Every tool takes
 * a `reasoning` string, so the model says why it acts.
 */
import type { ToolSchema } from '../../models/model-client.js';

const REASONING = {
  type: 'string',
  description: 'Why this action, in a short sentence (without mentioning the user).',
};

function tool(name: string, description: string, properties: Record<string, unknown> = {}): ToolSchema {
  return {
    name,
    description,
    parameters: { type: 'object', properties: { reasoning: REASONING, ...properties }, required: ['reasoning', ...Object.keys(properties)] },
  };
}

const targetId = (what: string) => ({ target_id: { type: 'integer', description: `The numeric id of the element to ${what}.` } });

const TOOL_VISIT_URL = tool(
  'visit_url',
  "Open a URL in the browser's address bar. Use it whenever a full URL is known, rather than clicking or searching.",
  { url: { type: 'string', description: 'The URL to open.' } },
);
const TOOL_WEB_SEARCH = tool('web_search', 'Search the web for a query and open the results page.', {
  query: { type: 'string', description: 'What to search for.' },
});
const TOOL_HISTORY_BACK = tool('history_back', 'Go back one page, like the browser back button.');
export const TOOL_PAGE_UP = tool('page_up', 'Scroll the viewport up by one screen.');
export const TOOL_PAGE_DOWN = tool('page_down', 'Scroll the viewport down by one screen.');
const TOOL_CLICK = tool('click', 'Click the element with this id.', targetId('click'));
const TOOL_TYPE = tool('input_text', 'Type text into the field with this id, then press Enter.', {
  input_field_id: { type: 'integer', description: 'The numeric id of the field to type into.' },
  text_value: { type: 'string', description: 'The text to type.' },
});
const TOOL_HOVER = tool('hover', 'Move the mouse over the element with this id.', targetId('hover over'));
const TOOL_ANSWER_QUESTION = tool('answer_question', "Answer a question from the whole current page's text.", {
  question: { type: 'string', description: 'The question to answer.' },
});
const TOOL_SUMMARIZE_PAGE = tool('summarize_page', 'Summarize the whole current page.');
const TOOL_SLEEP = tool('sleep', 'Wait a few seconds, for a page that is still loading.');

/** The tools always offered, in AgentChat's order; page_up / page_down are added when the page can scroll that way. */
export const DEFAULT_TOOLS: readonly ToolSchema[] = [
  TOOL_VISIT_URL,
  TOOL_WEB_SEARCH,
  TOOL_HISTORY_BACK,
  TOOL_CLICK,
  TOOL_TYPE,
  TOOL_ANSWER_QUESTION,
  TOOL_SUMMARIZE_PAGE,
  TOOL_SLEEP,
  TOOL_HOVER,
];
