/**
 * What the web surfer reads from a page, as JavaScript run inside it (page.evaluate). Kept as
 * source text, not as compiled functions: a bundler's helpers would not exist in the page.
 * Interactive elements get a `__elementId` attribute, the ids the set-of-marks labels show and
 * the click / input_text / hover tools take (AgentChat's page_script.js does the same job).
 */

/** One interactive element: its role and accessible name, and where it is (CSS px, viewport coordinates). */
export interface InteractiveRegion {
  tag_name: string;
  role: string;
  aria_name: string;
  v_scrollable: boolean;
  rects: { x: number; y: number; width: number; height: number; top: number; right: number; bottom: number; left: number }[];
}

/** The viewport and the page behind it, in CSS px. */
export interface VisualViewport {
  height: number;
  width: number;
  pageTop: number;
  pageLeft: number;
  scrollHeight: number;
  scrollWidth: number;
}

/** Element ids are `__elementId` attribute values; this marks the id attribute name. */
export const ELEMENT_ID_ATTRIBUTE = '__elementId';

const ROLE_OF = `
  function roleOf(el) {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.trim().split(/\\s+/)[0];
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return 'link';
    if (tag === 'button' || tag === 'summary') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (type === 'search') return 'searchbox';
      if (['submit', 'button', 'reset', 'image'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'range') return 'slider';
      return 'textbox';
    }
    if (el.isContentEditable) return 'textbox';
    return '';
  }
  function nameOf(el) {
    const label = el.getAttribute('aria-label');
    if (label && label.trim()) return label.trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const text = by.split(/\\s+/).map((id) => document.getElementById(id)?.innerText || '').join(' ').trim();
      if (text) return text;
    }
    if (el.labels && el.labels.length) {
      const text = Array.from(el.labels).map((l) => l.innerText).join(' ').trim();
      if (text) return text;
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (['submit', 'button', 'reset'].includes(type) && el.value) return el.value;
      if (el.placeholder) return el.placeholder;
    }
    if (tag === 'textarea' && el.placeholder) return el.placeholder;
    const text = (el.innerText || '').trim();
    if (text) return text.slice(0, 200);
    return (el.getAttribute('title') || el.getAttribute('alt') || '').trim();
  }
`;

/** Evaluates to a record of element id → InteractiveRegion for the visible interactive elements. */
export const COLLECT_INTERACTIVE_REGIONS = `(() => {
  ${ROLE_OF}
  const INTERACTIVE_ROLES = new Set(['button', 'link', 'textbox', 'searchbox', 'search', 'checkbox', 'radio', 'combobox',
    'option', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'slider', 'spinbutton', 'listbox', 'treeitem']);
  const selector = 'a[href], button, input:not([type=hidden]), textarea, select, summary, [role], [onclick], [contenteditable=""], [contenteditable=true], [tabindex]:not([tabindex="-1"])';
  const regions = {};
  let next = Number(document.documentElement.getAttribute('data-surfer-next-id') || '0');
  for (const el of document.querySelectorAll(selector)) {
    const role = roleOf(el);
    const tag = el.tagName.toLowerCase();
    const natural = ['a', 'button', 'input', 'textarea', 'select', 'summary'].includes(tag);
    if (!natural && !INTERACTIVE_ROLES.has(role) && !el.hasAttribute('onclick') && !el.isContentEditable && !el.hasAttribute('tabindex')) continue;
    if (el.disabled) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    const rects = Array.from(el.getClientRects()).filter((r) => r.width > 0 && r.height > 0)
      .map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height, top: r.top, right: r.right, bottom: r.bottom, left: r.left }));
    if (rects.length === 0) continue;
    let id = el.getAttribute('${ELEMENT_ID_ATTRIBUTE}');
    if (!id) {
      id = String(next++);
      el.setAttribute('${ELEMENT_ID_ATTRIBUTE}', id);
    }
    const scrollable = el.scrollHeight > el.clientHeight + 1 && ['auto', 'scroll'].includes(style.overflowY);
    regions[id] = { tag_name: tag, role: role || tag, aria_name: nameOf(el), v_scrollable: scrollable, rects };
  }
  document.documentElement.setAttribute('data-surfer-next-id', String(next));
  return regions;
})()`;

/** Evaluates to the VisualViewport. */
export const READ_VISUAL_VIEWPORT = `(() => {
  const v = window.visualViewport;
  const root = document.documentElement;
  const body = document.body;
  return {
    height: v ? v.height : window.innerHeight,
    width: v ? v.width : window.innerWidth,
    pageTop: v ? v.pageTop : window.scrollY,
    pageLeft: v ? v.pageLeft : window.scrollX,
    scrollHeight: Math.max(root.scrollHeight, body ? body.scrollHeight : 0, 1),
    scrollWidth: Math.max(root.scrollWidth, body ? body.scrollWidth : 0, 1),
  };
})()`;

/** Evaluates to the element id of the focused element, or null. */
export const READ_FOCUSED_ID = `(() => {
  const el = document.activeElement;
  return el && el !== document.body ? el.getAttribute('${ELEMENT_ID_ATTRIBUTE}') : null;
})()`;

/** Evaluates to the page's metadata: its meta tags and JSON-LD blocks. */
export const READ_PAGE_METADATA = `(() => {
  const meta = {};
  for (const m of document.querySelectorAll('meta[name], meta[property]')) {
    const key = m.getAttribute('name') || m.getAttribute('property');
    const value = m.getAttribute('content');
    if (key && value) meta[key] = value;
  }
  const jsonld = [];
  for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
    try { jsonld.push(JSON.parse(s.textContent || '')); } catch {}
  }
  const out = {};
  if (Object.keys(meta).length) out.meta_tags = meta;
  if (jsonld.length) out.jsonld = jsonld;
  return out;
})()`;

/** Evaluates to the text a reader sees on the whole page (innerText of the body). */
export const READ_PAGE_TEXT = `(() => (document.body ? document.body.innerText : ''))()`;
