/**
 * The web surfer's prompts (the shape of AgentChat's _prompts.py, in our words): the page state
 * and its marked targets before the request, the page-reading prompt for answer_question and
 * summarize_page, the OCR prompt, and the observation after an action.
 */
import type { VisualViewport } from './page-script.js';

export interface ToolPromptInput {
  url: string;
  title: string;
  /** One line per target visible in the screenshot (formatTargets). */
  visibleTargets: string[];
  /** Targets scrolled out of view. */
  otherTargets: string[];
  /** e.g. `The textbox with ID 4 (and name 'Search') currently has the input focus.` */
  focusedHint: string;
  toolNames: string[];
}

/** The text sent with the set-of-marks screenshot; the request follows it in the conversation. */
export function toolPrompt(input: ToolPromptInput): string {
  const other = input.otherTargets.length ? `\n\nOther targets you can act on (scrolled out of view):\n${input.otherTargets.join('\n')}` : '';
  const focus = input.focusedHint ? `\n\n${input.focusedHint}` : '';
  return [
    `The browser shows [${input.title}](${input.url}).`,
    '',
    'In the screenshot, each interactive element has a coloured box with its numeric ID in the same colour. The visible targets are:',
    '',
    `${input.visibleTargets.join('\n')}${other}${focus}`,
    '',
    'Answer my next request directly if you can, or choose one of these tools:',
    '',
    input.toolNames.join('\n'),
    '',
    'Choose by where the answer is: in the current viewport (click, type, hover), elsewhere on the current page',
    `[${input.title}](${input.url}) (scroll, summarize, answer a question about the page), or on another site (visit a URL, search).`,
    '',
    'My request follows:',
  ].join('\n');
}

export const QA_SYSTEM_MESSAGE = 'You are a helpful assistant that reads long documents and answers questions about them.';

/** The page-reading prompt; the page text follows it. */
export function qaPrompt(title: string, question?: string): string {
  const base = `We are on the web page '${title}'. Its text is below, with a screenshot of what is in view.`;
  return question === undefined
    ? `${base} Summarize the page in one or two paragraphs:\n\n`
    : `${base} Summarize the page in one or two paragraphs, focused on '${question}':\n\n`;
}

export const OCR_PROMPT =
  'Write out all the text visible in this screenshot of a web page, in reading order, one block per line. Reply with the text only.';

/** Where the viewport is on the page, in words (AgentChat's position text). */
export function describePosition(viewport: VisualViewport): { percentVisible: number; position: string } {
  const percentVisible = Math.min(100, Math.floor((viewport.height * 100) / viewport.scrollHeight));
  const percentScrolled = Math.floor((viewport.pageTop * 100) / viewport.scrollHeight);
  let position: string;
  if (percentScrolled < 1) position = 'at the top of the page';
  else if (percentScrolled + percentVisible >= 99) position = 'at the bottom of the page';
  else position = `${percentScrolled}% down from the top of the page`;
  return { percentVisible, position };
}

export interface ObservationInput {
  actionDescription: string;
  title: string;
  url: string;
  viewport: VisualViewport;
  /** Set when the page's metadata changed since the last observation (JSON text). */
  metadata?: string;
  /** OCR text, or the first lines of the page's text. */
  text: string;
  ocr: boolean;
  textLines: number;
}

/** The text of the reply after an action (sent with the plain screenshot). */
export function observation(input: ObservationInput): string {
  const { percentVisible, position } = describePosition(input.viewport);
  const metadata = input.metadata ? `\nThe page's metadata:\n\n${input.metadata}\n` : '';
  const head = input.ocr ? 'Text read from the screenshot:' : `The first ${input.textLines} lines of the page's text:`;
  return (
    `${input.actionDescription}\n\nHere is a screenshot of [${input.title}](${input.url}). ` +
    `The viewport shows ${percentVisible}% of the page and is ${position}.\n${metadata}\n${head}\n\n${input.text}`
  );
}
