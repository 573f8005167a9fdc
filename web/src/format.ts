/** How numbers and payloads read on the page. */
import type { Usage } from './types.js';

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** Usage is an object on this server; AGS sends "" (protocol §2.5), which reads as unknown. */
export function formatUsage(usage: unknown): string | null {
  if (!usage || typeof usage !== 'object') return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Partial<Usage>;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return null;
  return `${prompt + completion} tokens (${prompt} prompt, ${completion} completion)`;
}

/** Tool arguments arrive as a JSON string: indent it when it parses, show it raw when not. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** `m:ss` left until `deadline` (never negative). */
export function formatCountdown(deadline: number, now = Date.now()): string {
  const left = Math.max(0, Math.ceil((deadline - now) / 1000));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}

/** A message's content as plain text, whatever its shape. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return JSON.stringify(content, null, 2);
}
