import { describe, expect, it } from 'vitest';
import type { InteractiveRegion } from './page-script.js';
import { describePosition, observation, toolPrompt } from './prompts.js';
import { formatTargets, markColor, marksFor, partitionRegions } from './set-of-marks.js';
import { DEFAULT_TOOLS } from './tool-definitions.js';

function region(top: number, height = 20, extra: Partial<InteractiveRegion> = {}): InteractiveRegion {
  return {
    tag_name: 'a',
    role: 'link',
    aria_name: 'A link',
    v_scrollable: false,
    rects: [{ x: 10, y: top, width: 100, height, top, left: 10, right: 110, bottom: top + height }],
    ...extra,
  };
}

describe('partitionRegions', () => {
  it('puts a region by the middle of its first box: above, in, or below the viewport (as AgentChat add_set_of_mark)', () => {
    const regions = {
      '2': region(-30), // middle -20: above
      '10': region(-5), // middle 5: visible (partly cut)
      '3': region(400),
      '4': region(890), // middle 900 = viewport height: below
      '5': region(2000),
    };
    expect(partitionRegions(regions, 900)).toEqual({ visible: ['3', '10'], above: ['2'], below: ['4', '5'] });
  });

  it('skips a region without a box', () => {
    expect(partitionRegions({ '1': { ...region(0), rects: [] } }, 900)).toEqual({ visible: [], above: [], below: [] });
  });
});

describe('marks', () => {
  it('gives one mark per box, coloured by id, the same colour for the same id', () => {
    const twoBoxes = region(10);
    twoBoxes.rects.push({ x: 0, y: 40, width: 30, height: 10, top: 40, left: 0, right: 30, bottom: 50 });
    const marks = marksFor({ '7': twoBoxes, '8': region(100) }, ['7', '8']);
    expect(marks.map((m) => [m.id, m.top, m.width])).toEqual([
      ['7', 10, 100],
      ['7', 40, 30],
      ['8', 100, 100],
    ]);
    expect(marks[0]!.color).toBe(marks[1]!.color);
    expect(markColor('7')).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('formatTargets', () => {
  it('lists id, name, role and the tools that apply; text fields take input_text (as AgentChat _format_target_list)', () => {
    const regions = {
      '1': region(0, 20, { aria_name: 'Docs\nhome  ' }),
      '2': region(0, 20, { tag_name: 'input', role: 'searchbox', aria_name: 'Search' }),
      '3': region(0, 20, { tag_name: 'div', role: '', aria_name: '' }),
    };
    expect(formatTargets(['1', '2', '3', 'missing'], regions)).toEqual([
      '{"id":1,"name":"Docs home","role":"link","tools":["click","hover"]}',
      '{"id":2,"name":"Search","role":"searchbox","tools":["input_text"]}',
      '{"id":3,"name":"","role":"div","tools":["click","hover"]}',
    ]);
  });
});

describe('prompts', () => {
  it('describes the viewport position in words (AgentChat: top, bottom, or percent down)', () => {
    const at = (pageTop: number) => describePosition({ height: 900, width: 1440, pageTop, pageLeft: 0, scrollHeight: 3000, scrollWidth: 1440 });
    expect(at(0)).toEqual({ percentVisible: 30, position: 'at the top of the page' });
    expect(at(1500)).toEqual({ percentVisible: 30, position: '50% down from the top of the page' });
    expect(at(2100)).toEqual({ percentVisible: 30, position: 'at the bottom of the page' });
  });

  it('puts the page, its targets, the focus and the tool names before the request', () => {
    const text = toolPrompt({
      url: 'http://site.test/',
      title: 'Home',
      visibleTargets: ['{"id":1}'],
      otherTargets: ['{"id":9}'],
      focusedHint: 'The textbox with ID 1 currently has the input focus.',
      toolNames: DEFAULT_TOOLS.map((t) => t.name),
    });
    expect(text).toContain('[Home](http://site.test/)');
    expect(text).toContain('{"id":1}');
    expect(text).toMatch(/scrolled out of view\):\n\{"id":9\}/);
    expect(text).toContain('currently has the input focus');
    expect(text).toContain('visit_url\nweb_search\nhistory_back\nclick\ninput_text\nanswer_question\nsummarize_page\nsleep\nhover');
    expect(text.trimEnd().endsWith('My request follows:')).toBe(true);
  });

  it('says what was done, where the viewport is, the metadata when given, and the page text', () => {
    const text = observation({
      actionDescription: "I clicked 'Docs'.",
      title: 'Docs',
      url: 'http://site.test/docs',
      viewport: { height: 900, width: 1440, pageTop: 0, pageLeft: 0, scrollHeight: 900, scrollWidth: 1440 },
      metadata: '{"meta_tags":{"description":"d"}}',
      text: 'line 1\nline 2',
      ocr: false,
      textLines: 50,
    });
    expect(text).toMatch(
      /^I clicked 'Docs'\.\n\nHere is a screenshot of \[Docs\]\(http:\/\/site\.test\/docs\)\. The viewport shows 100% of the page and is at the top of the page\./,
    );
    expect(text).toContain('"description":"d"');
    expect(text).toContain("The first 50 lines of the page's text:\n\nline 1\nline 2");
  });
});

describe('tool definitions', () => {
  it('have AgentChat names and required arguments, each with a reasoning', () => {
    const byName = Object.fromEntries(DEFAULT_TOOLS.map((t) => [t.name, (t.parameters as { required: string[] }).required]));
    expect(byName).toEqual({
      visit_url: ['reasoning', 'url'],
      web_search: ['reasoning', 'query'],
      history_back: ['reasoning'],
      click: ['reasoning', 'target_id'],
      input_text: ['reasoning', 'input_field_id', 'text_value'],
      answer_question: ['reasoning', 'question'],
      summarize_page: ['reasoning'],
      sleep: ['reasoning'],
      hover: ['reasoning', 'target_id'],
    });
  });
});
