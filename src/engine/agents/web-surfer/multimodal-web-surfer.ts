/**
 * MultimodalWebSurfer: an agent that browses with a headless Chromium (AgentChat's
 * autogen_ext.agents.web_surfer.MultimodalWebSurfer). Each turn it takes a set-of-marks
 * screenshot of the page (interactive elements boxed and numbered), sends it with the page's
 * state and the conversation to a multimodal model, and carries out the one action the model
 * picks by tool call (visit_url, web_search, history_back, page_up, page_down, click,
 * input_text, hover, answer_question, summarize_page, sleep). Its reply is a MultiModalMessage
 * (what it did and what the page now shows, with a screenshot), or a TextMessage when the model
 * answered directly or read the page for an answer, as AgentChat's is.
 *
 * Differences from AgentChat, on purpose:
 * - Every request of the browser goes through the server's egress policy (browser-session.ts);
 *   only http(s) and about:blank may be visited (AgentChat also opens file:// URLs).
 * - web_search opens a search engine's results page, as AgentChat does with Bing's
 *   (`https://www.bing.com/search?q=…`; no search API is used, so Bing's API retirement does not
 *   matter). The URL template is the operator's WEB_SURFER_SEARCH_URL; the results page is
 *   fetched under the egress policy like any other page.
 * - After an action it waits for the network to be idle (500 ms without requests, at most
 *   `settleMs`, default 3 s) where AgentChat always sleeps 3 s.
 * - `to_save_screenshots` and `browser_data_dir` would write to the server's disk at a path a
 *   config chooses; they are refused at load (see the registry entry). The browser gets a fresh
 *   profile per run instead.
 * - Errors while surfing become the reply `Web surfing error: <message>` (AgentChat replies with
 *   a traceback), so the team goes on; a stopped run closes the browser at once.
 */
import { createHash } from 'node:crypto';
import { ConfigError, RunStateError } from '../../errors.js';
import { EgressRefusedError, type EgressPolicy } from '../../egress/index.js';
import {
  addUsage,
  createMessage,
  messageToText,
  ZERO_USAGE,
  type AgentMessage,
  type ChatMessage,
  type FunctionCall,
  type ImageContent,
  type RequestUsage,
} from '../../messages.js';
import type { ChatCompletionClient, LLMMessage, ToolSchema } from '../../models/model-client.js';
import type { AgentState } from '../../state.js';
import { dumpComponent } from '../../components/dump.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent, type Response } from '../chat-agent.js';
import { BrowserSession } from './browser-session.js';
import {
  COLLECT_INTERACTIVE_REGIONS,
  ELEMENT_ID_ATTRIBUTE,
  READ_FOCUSED_ID,
  READ_PAGE_METADATA,
  READ_PAGE_TEXT,
  READ_VISUAL_VIEWPORT,
  type InteractiveRegion,
  type VisualViewport,
} from './page-script.js';
import { OCR_PROMPT, QA_SYSTEM_MESSAGE, observation, qaPrompt, toolPrompt } from './prompts.js';
import { drawMarksScript, formatTargets, marksFor, partitionRegions, REMOVE_MARKS } from './set-of-marks.js';
import { DEFAULT_TOOLS, TOOL_PAGE_DOWN, TOOL_PAGE_UP } from './tool-definitions.js';

export const WEB_SURFER_PROVIDER = 'autogen_ext.agents.web_surfer.MultimodalWebSurfer';
export const DEFAULT_WEB_SURFER_DESCRIPTION =
  'A helpful assistant with access to a web browser. Ask them to perform web searches, open pages, and interact with content ' +
  '(e.g., clicking links, scrolling the viewport, filling in form fields). It can also summarize the entire page, or answer ' +
  'questions based on the content of the page. It can also be asked to sleep and wait for pages to load.';
const DEFAULT_START_PAGE = 'https://www.bing.com/';
/** AgentChat's default search: Bing's results page. `{query}` is replaced by the URL-encoded query. */
export const DEFAULT_SEARCH_URL = 'https://www.bing.com/search?q={query}&FORM=QBLH';

/** AgentChat's viewport, in CSS px (used when to_resize_viewport). */
const VIEWPORT = { width: 1440, height: 900 };
/** Lines of page text in an observation when OCR is off (AgentChat's n_lines_page_text). */
const TEXT_LINES = 50;
/** Most characters of page text given to answer_question / summarize_page. */
const MAX_PAGE_TEXT_CHARS = 40_000;

/** The config keys, as AgentChat's MultimodalWebSurferConfig names them. */
export interface WebSurferConfig {
  name: string;
  description?: string | null;
  headless?: boolean | null;
  start_page?: string | null;
  animate_actions?: boolean | null;
  to_save_screenshots?: boolean | null;
  use_ocr?: boolean | null;
  browser_channel?: string | null;
  browser_data_dir?: string | null;
  to_resize_viewport?: boolean | null;
}

/** Server settings for the browser (not part of a config). */
export interface WebSurferRuntime {
  egress: EgressPolicy;
  /** Chromium's executable (CHROMIUM_PATH). */
  executablePath: string;
  /** Search URL template with `{query}` (WEB_SURFER_SEARCH_URL). */
  searchUrl: string;
  /** Playwright's timeout for one action or navigation, ms. Default 60000 (AgentChat's). */
  timeoutMs?: number;
  /** Longest wait for the page to settle after an action, ms. Default 3000. */
  settleMs?: number;
}

/** What an action left: the text of the reply, and whether the reply carries a fresh screenshot. */
type ActionOutcome = { kind: 'observe'; description: string } | { kind: 'text'; text: string };

export class MultimodalWebSurfer implements ChatAgent {
  readonly provider = WEB_SURFER_PROVIDER;
  readonly componentType = 'agent' as const;
  readonly name: string;
  readonly description: string;
  private readonly startPage: string;
  private history: LLMMessage[] = [];
  private session: BrowserSession | undefined;
  private launching: Promise<BrowserSession> | undefined;
  private priorMetadataHash: string | undefined;

  constructor(
    private readonly config: WebSurferConfig,
    private readonly modelClient: ChatCompletionClient,
    private readonly runtime: WebSurferRuntime,
    private readonly raw: Record<string, unknown> = {},
  ) {
    if (!AGENT_NAME.test(config.name)) throw new ConfigError('config.name', `agent name "${config.name}" must be an identifier (letters, digits, _)`);
    // AgentChat refuses a model that cannot see or call tools: the surfer needs both.
    if (!modelClient.modelInfo.function_calling) {
      throw new ConfigError('config.model_client', 'the model does not support function calling, which MultimodalWebSurfer needs');
    }
    if (!modelClient.modelInfo.vision)
      throw new ConfigError('config.model_client', 'the model is not multimodal (vision), which MultimodalWebSurfer needs');
    this.name = config.name;
    this.description = config.description ?? DEFAULT_WEB_SURFER_DESCRIPTION;
    this.startPage = config.start_page || DEFAULT_START_PAGE;
    const refused = checkVisitable(this.startPage, runtime.egress);
    if (refused) throw new ConfigError('config.start_page', refused);
  }

  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    for (const message of newMessages) {
      const content = message.type === 'MultiModalMessage' ? message.content : messageToText(message);
      this.history.push({ type: 'UserMessage', content, source: message.source });
    }
    const inner: AgentMessage[] = [];
    let usage: RequestUsage = { ...ZERO_USAGE };
    const track = (u: RequestUsage) => void (usage = addUsage(usage, u));
    // A stop closes the browser at once: whatever playwright call is pending fails and the turn ends.
    const onAbort = () => void this.closeBrowser();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let reply: ChatMessage;
    try {
      // The action's announcement is kept even when the action then fails.
      const result = await this.generateReply(ctx.signal, track, (event) => void inner.push(event));
      reply =
        typeof result === 'string'
          ? createMessage('TextMessage', this.name, { content: result }, { models_usage: usedOrNull(usage) })
          : createMessage('MultiModalMessage', this.name, { content: result }, { models_usage: usedOrNull(usage) });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // The model calls made before the failure still count.
      reply = createMessage('TextMessage', this.name, { content: `Web surfing error:\n\n${errorText(error)}` }, { models_usage: usedOrNull(usage) });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    this.history.push({ type: 'AssistantMessage', content: messageToText(reply), source: this.name });
    for (const event of inner) yield event;
    const response: Response = { type: 'Response', chat_message: reply, inner_messages: inner };
    yield response;
  }

  /** Forgets the conversation and closes the browser (the next turn opens the start page afresh). */
  async reset(): Promise<void> {
    this.history = [];
    this.priorMetadataHash = undefined;
    await this.closeBrowser();
  }

  /** Like AgentChat's web surfer (BaseChatAgent's state), nothing is kept between runs. */
  async saveState(): Promise<AgentState> {
    return { type: 'MultimodalWebSurferState', version: 1 };
  }

  async loadState(state: AgentState): Promise<void> {
    if (state.type !== 'MultimodalWebSurferState') {
      throw new RunStateError(`${this.name} is a MultimodalWebSurfer and cannot load a ${state.type}`);
    }
    this.history = [];
  }

  async close(): Promise<void> {
    await Promise.all([this.closeBrowser(), this.modelClient.close()]);
  }

  /** The browser session, if one is open (tests look at it). */
  get browser(): BrowserSession | undefined {
    return this.session;
  }

  toConfig(): Record<string, unknown> {
    const c = this.config;
    // Keys in AgentChat's order; keys the config did not have stay absent, so a dump equals the load.
    const config: Record<string, unknown> = { name: this.name, model_client: dumpComponent(this.modelClient) };
    const keys = [
      'description',
      'headless',
      'start_page',
      'animate_actions',
      'to_save_screenshots',
      'use_ocr',
      'browser_channel',
      'browser_data_dir',
      'to_resize_viewport',
    ] as const;
    for (const key of keys) if (key in this.raw) config[key] = c[key] ?? null;
    return config;
  }

  private async closeBrowser(): Promise<void> {
    const pending = this.launching;
    this.launching = undefined;
    const session = this.session ?? (await pending?.catch(() => undefined));
    this.session = undefined;
    await session?.close();
  }

  /** The browser, launched and at the start page on first use (AgentChat's lazy init). */
  private async browserFor(signal: AbortSignal): Promise<BrowserSession> {
    if (this.session && !this.session.isClosed) return this.session;
    this.launching ??= BrowserSession.launch({
      executablePath: this.runtime.executablePath,
      channel: this.config.browser_channel ?? undefined,
      headless: this.config.headless ?? true,
      viewport: this.config.to_resize_viewport === false ? undefined : VIEWPORT,
      egress: this.runtime.egress,
      timeoutMs: this.runtime.timeoutMs ?? 60_000,
    });
    const session = await this.launching;
    this.launching = undefined;
    if (signal.aborted) {
      await session.close();
      throw signal.reason;
    }
    this.session = session;
    // A start page that cannot be opened (refused by the egress policy, unreachable) leaves the
    // browser on its error page: the model sees that and can visit another URL. AgentChat fails
    // the turn instead, which would make the agent useless behind a policy that refuses it.
    await this.navigate(session, this.startPage).catch((error: unknown) => {
      if (signal.aborted) throw error;
    });
    return session;
  }

  private async generateReply(
    signal: AbortSignal,
    track: (u: RequestUsage) => void,
    emit: (event: AgentMessage) => void,
  ): Promise<string | (string | ImageContent)[]> {
    const session = await this.browserFor(signal);
    const page = session.page;
    // Earlier screenshots are dropped from the history sent: only their text stays.
    const history: LLMMessage[] = this.history.map((m) =>
      m.type === 'UserMessage' && Array.isArray(m.content)
        ? { ...m, content: m.content.map((p) => (typeof p === 'string' ? p : '<image>')).join('\n') }
        : m,
    );
    const regions = await this.read<Record<string, InteractiveRegion>>(session, COLLECT_INTERACTIVE_REGIONS);
    const viewport = await this.read<VisualViewport>(session, READ_VISUAL_VIEWPORT);
    const parts = partitionRegions(regions, viewport.height);
    const screenshot = await this.markedScreenshot(session, regions, parts.visible);

    const tools: ToolSchema[] = [...DEFAULT_TOOLS];
    if (viewport.pageTop > 5) tools.push(TOOL_PAGE_UP);
    if (viewport.pageTop + viewport.height + 5 < viewport.scrollHeight) tools.push(TOOL_PAGE_DOWN);

    const focused = await this.read<string | null>(session, READ_FOCUSED_ID);
    let focusedHint = '';
    if (focused && regions[focused]) {
      const name = regions[focused].aria_name.trim();
      focusedHint = `The ${regions[focused].role || 'control'} with ID ${focused}${name ? ` (and name '${name}')` : ''} currently has the input focus.`;
    }
    const prompt = toolPrompt({
      url: page.url(),
      title: await page.title(),
      visibleTargets: formatTargets(parts.visible, regions),
      otherTargets: formatTargets([...parts.above, ...parts.below], regions),
      focusedHint,
      toolNames: tools.map((t) => t.name),
    });
    history.push({ type: 'UserMessage', content: [prompt, screenshot], source: this.name });

    const result = await this.modelClient.create(history, { signal, tools, extraCreateArgs: { tool_choice: 'auto' } });
    track(result.usage);
    if (typeof result.content === 'string') {
      emit(createMessage('TextMessage', this.name, { content: result.content }));
      return result.content;
    }
    const call = result.content[0];
    if (!call) return 'The model asked for no action.';
    emit(createMessage('TextMessage', this.name, { content: `${call.name}( ${call.arguments} )` }));
    const outcome = await this.execute(session, call, regions, tools, signal, track);
    if (outcome.kind === 'text') return outcome.text;
    return this.observe(session, outcome.description, signal, track);
  }

  /**
   * Runs a page script; when a navigation replaced the document meanwhile, waits for the page to
   * settle and runs it once more on the new document.
   */
  private async read<T>(session: BrowserSession, script: string): Promise<T> {
    try {
      return (await session.page.evaluate(script)) as T;
    } catch (error) {
      if (!/Execution context was destroyed|navigat/i.test(String(error))) throw error;
      await this.settle(session);
      return (await session.page.evaluate(script)) as T;
    }
  }

  /** The screenshot with the marks drawn on it, as a PNG data URL. */
  private async markedScreenshot(session: BrowserSession, regions: Record<string, InteractiveRegion>, visible: string[]): Promise<ImageContent> {
    const page = session.page;
    await page.evaluate(drawMarksScript(marksFor(regions, visible)));
    try {
      return pngContent(await page.screenshot({ type: 'png' }));
    } finally {
      await page.evaluate(REMOVE_MARKS).catch(() => undefined);
    }
  }

  private async execute(
    session: BrowserSession,
    call: FunctionCall,
    regions: Record<string, InteractiveRegion>,
    tools: ToolSchema[],
    signal: AbortSignal,
    track: (u: RequestUsage) => void,
  ): Promise<ActionOutcome> {
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(call.arguments || '{}') as Record<string, unknown>;
    } catch {
      throw new Error(`the arguments of ${call.name} are not JSON: ${call.arguments}`);
    }
    const page = session.page;
    const targetName = (id: string) => regions[id]?.aria_name.trim() || undefined;
    switch (call.name) {
      case 'visit_url': {
        const url = stringArg(args, 'url', call.name);
        await this.navigate(session, this.visitTarget(url));
        return { kind: 'observe', description: `I typed '${url}' into the browser address bar.` };
      }
      case 'web_search': {
        const query = stringArg(args, 'query', call.name);
        await this.navigate(session, this.searchUrl(query));
        return { kind: 'observe', description: `I typed '${query}' into the browser search bar.` };
      }
      case 'history_back':
        await session.act(() => page.goBack(), this.settleMs);
        return { kind: 'observe', description: 'I clicked the browser back button.' };
      case 'page_up':
        await page.evaluate('window.scrollBy(0, -(window.innerHeight - 50))');
        return { kind: 'observe', description: 'I scrolled up one page in the browser.' };
      case 'page_down':
        await page.evaluate('window.scrollBy(0, window.innerHeight - 50)');
        return { kind: 'observe', description: 'I scrolled down one page in the browser.' };
      case 'click': {
        const id = String(args.target_id);
        await this.click(session, id);
        const name = targetName(id);
        return { kind: 'observe', description: name ? `I clicked '${name}'.` : 'I clicked the control.' };
      }
      case 'input_text': {
        const id = String(args.input_field_id);
        const text = stringArg(args, 'text_value', call.name);
        const target = await this.locate(session, id);
        const seen = session.refusedNavigations.length;
        await target.scrollIntoViewIfNeeded();
        await target.focus();
        await target.fill(text).catch(() => target.pressSequentially(text));
        // Enter submits the form the field is in, as AgentChat's fill does.
        await session.act(() => target.press('Enter'), this.settleMs);
        this.throwIfRefused(session, seen);
        const name = targetName(id);
        return { kind: 'observe', description: name ? `I typed '${text}' into '${name}'.` : `I input '${text}'.` };
      }
      case 'hover': {
        const id = String(args.target_id);
        const target = await this.locate(session, id);
        await target.scrollIntoViewIfNeeded();
        const box = await target.boundingBox();
        if (box && this.config.animate_actions) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 10 });
        await target.hover();
        const name = targetName(id);
        return { kind: 'observe', description: name ? `I hovered over '${name}'.` : 'I hovered over the control.' };
      }
      case 'answer_question':
        return { kind: 'text', text: await this.readPage(session, signal, track, stringArg(args, 'question', call.name)) };
      case 'summarize_page':
        return { kind: 'text', text: await this.readPage(session, signal, track) };
      case 'sleep':
        await page.waitForTimeout(3000);
        return { kind: 'observe', description: 'I am waiting a short period of time before taking further action.' };
      default:
        throw new Error(`Unknown tool '${call.name}'. Please choose from:\n\n${tools.map((t) => t.name).join('\n')}`);
    }
  }

  /** The element the marks numbered `id`; throws at once when the page has none (no wait for one to appear). */
  private async locate(session: BrowserSession, id: string) {
    const target = session.page.locator(`[${ELEMENT_ID_ATTRIBUTE}="${id}"]`).first();
    if (!/^\d+$/.test(id) || (await target.count()) === 0) throw new Error(`there is no element with id ${id} on the page`);
    return target;
  }

  /** Clicks the element's centre with the mouse; a tab the click opens becomes the page (as AgentChat does). */
  private async click(session: BrowserSession, id: string): Promise<void> {
    const target = await this.locate(session, id);
    await target.scrollIntoViewIfNeeded();
    const box = await target.boundingBox();
    if (!box) throw new Error(`the element with id ${id} is not visible`);
    const seen = session.refusedNavigations.length;
    const opened: import('playwright-core').Page[] = [];
    const onPage = (p: import('playwright-core').Page) => void opened.push(p);
    session.context.on('page', onPage);
    try {
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      if (this.config.animate_actions) await session.page.mouse.move(x, y, { steps: 10 });
      await session.act(() => session.page.mouse.click(x, y), this.settleMs);
    } finally {
      session.context.off('page', onPage);
    }
    const tab = opened.at(-1);
    if (tab) {
      session.page = tab;
      this.priorMetadataHash = undefined;
      await this.settle(session);
    }
    this.throwIfRefused(session, seen);
  }

  /** What visit_url opens for what the model typed (AgentChat's rules: a URL, a search, or https:// added). */
  private visitTarget(input: string): string {
    if (/^(https?:\/\/|about:)/i.test(input)) return input;
    if (/^[a-z][a-z0-9+.-]*:/i.test(input) && !/^[^:/]+:\d+/.test(input)) return input; // refused by navigate
    if (input.includes(' ')) return this.searchUrl(input);
    return `https://${input}`;
  }

  private searchUrl(query: string): string {
    return this.runtime.searchUrl.replace('{query}', encodeURIComponent(query));
  }

  /** Opens `url` in the page under the egress policy; a refusal is thrown as EgressRefusedError. */
  private async navigate(session: BrowserSession, url: string): Promise<void> {
    const refused = checkVisitable(url, this.runtime.egress);
    if (refused) throw new EgressRefusedError(url, refused);
    const seen = session.refusedNavigations.length;
    try {
      await session.page.goto(url);
    } catch (error) {
      // The error page commits after goto rejects: let it, so the next look at the page is stable.
      await this.settle(session);
      this.throwIfRefused(session, seen, error);
      throw error;
    }
    this.priorMetadataHash = undefined;
    await this.settle(session);
    this.throwIfRefused(session, seen);
  }

  /** Throws the policy's refusal of a page opened since `seen` refusals (a link, a redirect, the URL itself). */
  private throwIfRefused(session: BrowserSession, seen: number, cause?: unknown): void {
    const refusal = session.refusedNavigations.at(-1);
    if (session.refusedNavigations.length > seen && refusal) throw new Error(refusal.message, { cause });
  }

  /** Waits for the page to settle after an action, at most settleMs per wait (see BrowserSession.settle). */
  private async settle(session: BrowserSession): Promise<void> {
    await session.settle(this.settleMs);
  }

  private get settleMs(): number {
    return this.runtime.settleMs ?? 3000;
  }

  /** The reply after an action: what was done, where the page is, its text, and a screenshot. */
  private async observe(
    session: BrowserSession,
    description: string,
    signal: AbortSignal,
    track: (u: RequestUsage) => void,
  ): Promise<(string | ImageContent)[]> {
    await this.settle(session);
    const page = session.page;
    const metadataJson = JSON.stringify(await this.read(session, READ_PAGE_METADATA), null, 2);
    const hash = createHash('sha256').update(metadataJson).digest('hex');
    const metadata = hash !== this.priorMetadataHash && metadataJson !== '{}' ? metadataJson : undefined;
    this.priorMetadataHash = hash;
    const viewport = await this.read<VisualViewport>(session, READ_VISUAL_VIEWPORT);
    const screenshot = pngContent(await page.screenshot({ type: 'png' }));
    const ocr = this.config.use_ocr ?? true;
    let text: string;
    if (ocr) {
      const result = await this.modelClient.create([{ type: 'UserMessage', content: [OCR_PROMPT, screenshot], source: this.name }], { signal });
      track(result.usage);
      text = typeof result.content === 'string' ? result.content : '';
    } else {
      const all = await this.read<string>(session, READ_PAGE_TEXT);
      text = all.split(/\r?\n/).slice(0, TEXT_LINES).join('\n');
    }
    const content = observation({
      actionDescription: description,
      title: await page.title(),
      url: page.url(),
      viewport,
      metadata,
      text,
      ocr,
      textLines: TEXT_LINES,
    });
    return [content, screenshot];
  }

  /** answer_question / summarize_page: the model reads the page's text and a screenshot. */
  private async readPage(session: BrowserSession, signal: AbortSignal, track: (u: RequestUsage) => void, question?: string): Promise<string> {
    const page = session.page;
    const text = ((await page.evaluate(READ_PAGE_TEXT)) as string).trim().slice(0, MAX_PAGE_TEXT_CHARS);
    if (!text) return 'Nothing to summarize.';
    let title = page.url();
    title = (await page.title().catch(() => '')) || title;
    const screenshot = pngContent(await page.screenshot({ type: 'png' }));
    const result = await this.modelClient.create(
      [
        { type: 'SystemMessage', content: QA_SYSTEM_MESSAGE },
        { type: 'UserMessage', content: [qaPrompt(title, question) + text, screenshot], source: this.name },
      ],
      { signal },
    );
    track(result.usage);
    if (typeof result.content !== 'string') throw new Error('the model answered the page question with tool calls');
    return result.content;
  }
}

/** Why `url` may not be opened (only http, https and about:blank may), or undefined. */
function checkVisitable(url: string, egress: EgressPolicy): string | undefined {
  if (url === 'about:blank') return undefined;
  return egress.precheck(url);
}

function stringArg(args: Record<string, unknown>, key: string, tool: string): string {
  const value = args[key];
  if (typeof value !== 'string' || value === '') throw new Error(`${tool} needs a non-empty string "${key}"`);
  return value;
}

function pngContent(png: Buffer): ImageContent {
  return { url: `data:image/png;base64,${png.toString('base64')}` };
}

function usedOrNull(usage: RequestUsage): RequestUsage | null {
  return usage.prompt_tokens || usage.completion_tokens ? usage : null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
