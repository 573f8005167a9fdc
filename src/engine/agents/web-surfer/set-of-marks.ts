/**
 * Set-of-marks: every interactive element in view gets a coloured box and its id drawn on the
 * screenshot, so a multimodal model can name what to click by number (AgentChat's
 * add_set_of_mark). AgentChat draws on the image; here the marks are drawn as an overlay in the
 * page just for the screenshot (no image library needed), then removed.
 */
import type { InteractiveRegion } from './page-script.js';

/** Which regions are in the viewport, and which are scrolled out above or below it. */
export interface PartitionedRegions {
  visible: string[];
  above: string[];
  below: string[];
}

/** One mark to draw: element id, box (CSS px, viewport coordinates) and colour. */
export interface Mark {
  id: string;
  left: number;
  top: number;
  width: number;
  height: number;
  color: string;
}

/** Ids in numeric order (the order the page gave them), so prompts are stable. */
function byId(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

/**
 * Splits regions by where their first box is: its vertical middle above the viewport (`above`),
 * below it (`below`), or inside (`visible`). `viewportHeight` is in CSS px.
 */
export function partitionRegions(regions: Record<string, InteractiveRegion>, viewportHeight: number): PartitionedRegions {
  const out: PartitionedRegions = { visible: [], above: [], below: [] };
  for (const id of Object.keys(regions).sort(byId)) {
    const rect = regions[id]!.rects[0];
    if (!rect) continue;
    const middle = rect.top + rect.height / 2;
    if (middle < 0) out.above.push(id);
    else if (middle >= viewportHeight) out.below.push(id);
    else out.visible.push(id);
  }
  return out;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#9a6324', '#800000', '#000075', '#808000'];

/** A colour per id, the same every time for the same id. */
export function markColor(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** The marks for the visible regions: one per box of each element. */
export function marksFor(regions: Record<string, InteractiveRegion>, visible: readonly string[]): Mark[] {
  return visible.flatMap((id) =>
    regions[id]!.rects.map((r) => ({ id, left: r.left, top: r.top, width: r.width, height: r.height, color: markColor(id) })),
  );
}

/** The roles that take text: their tool is input_text rather than click/hover (as AgentChat lists them). */
const TEXT_ROLES = new Set(['textbox', 'searchbox', 'search', 'combobox']);

/**
 * One line per target for the prompt, as JSON: `{"id": 3, "name": "Search", "role": "searchbox", "tools": ["input_text"]}`.
 * Names lose their line breaks and are cut to 100 characters.
 */
export function formatTargets(ids: readonly string[], regions: Record<string, InteractiveRegion>): string[] {
  return ids
    .filter((id) => regions[id])
    .map((id) => {
      const region = regions[id]!;
      const role = region.role.trim() || region.tag_name;
      const name = region.aria_name
        .replace(/[\r\n]+/g, ' ')
        .trim()
        .slice(0, 100);
      const tools = TEXT_ROLES.has(region.role) ? ['input_text'] : ['click', 'hover'];
      const numeric = Number(id);
      return JSON.stringify({ id: Number.isInteger(numeric) ? numeric : id, name, role, tools });
    });
}

const OVERLAY_ID = '__web_surfer_marks';

/** Script that draws `marks` as a fixed overlay above the page (pointer events pass through). */
export function drawMarksScript(marks: readonly Mark[]): string {
  return `((marks) => {
  const layer = document.createElement('div');
  layer.id = '${OVERLAY_ID}';
  layer.style.cssText = 'position:fixed;inset:0;pointer-events:none;z-index:2147483647;';
  for (const m of marks) {
    const box = document.createElement('div');
    box.style.cssText = 'position:absolute;box-sizing:border-box;border:2px solid ' + m.color + ';left:' + m.left + 'px;top:' + m.top + 'px;width:' + m.width + 'px;height:' + m.height + 'px;';
    const label = document.createElement('span');
    label.textContent = m.id;
    label.style.cssText = 'position:absolute;left:-2px;top:-16px;background:' + m.color + ';color:#fff;font:bold 12px/14px sans-serif;padding:0 3px;';
    box.appendChild(label);
    layer.appendChild(box);
  }
  (document.body || document.documentElement).appendChild(layer);
})(${JSON.stringify(marks)})`;
}

/** Script that removes the overlay again. */
export const REMOVE_MARKS = `document.getElementById('${OVERLAY_ID}')?.remove()`;
