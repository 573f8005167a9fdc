import { describe, expect, it } from 'vitest';
import { frameJson } from './frame-json.js';
import type { RunFrame } from './ws-frames.js';

const chunk = (): RunFrame =>
  ({
    type: 'message_chunk',
    run_id: 7,
    seq: 3,
    data: { type: 'ModelClientStreamingChunkEvent', content: 'a ', full_message_id: 'm' },
  }) as unknown as RunFrame;

describe(frameJson.name, () => {
  it('is the frame’s JSON, made once and given back the same', () => {
    const frame = chunk();
    const text = frameJson(frame);
    expect(JSON.parse(text)).toEqual(frame);
    expect(frameJson(frame)).toBe(text);
  });

  it('stays out of the frame’s own JSON, keys and copies', () => {
    const frame = chunk();
    const text = frameJson(frame);
    expect(JSON.stringify(frame)).toBe(text);
    expect(Object.keys(frame)).toEqual(['type', 'run_id', 'seq', 'data']);
    const copy = { ...frame, seq: 4 } as RunFrame;
    expect(JSON.parse(frameJson(copy))).toMatchObject({ seq: 4 });
  });
});
