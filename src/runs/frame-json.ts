/**
 * A frame's JSON text, made once per frame: its viewers' sockets and the run's log both need it
 * (each a JSON.stringify of every chunk, ~3% of a streaming run's CPU apiece). The text is kept on
 * the frame under a symbol, non-enumerable, so JSON, spreads and copies never see it: a frame
 * built from another (`{ ...frame, seq }`) gets a text of its own. A frame is not changed once
 * stamped (LiveRun.stamp makes a new object for each).
 */
import type { RunFrame } from './ws-frames.js';

const TEXT = Symbol('frame JSON');

type WithText = RunFrame & { [TEXT]?: string };

export function frameJson(frame: RunFrame): string {
  const held = (frame as WithText)[TEXT];
  if (held !== undefined) return held;
  const text = JSON.stringify(frame);
  Object.defineProperty(frame, TEXT, { value: text });
  return text;
}
