import { describe, expect, it } from 'vitest';
import { htmlToMarkdown } from './html-markdown.js';

const md = (html: string, includeImages = true) => htmlToMarkdown(html, { baseUrl: 'https://example.com/a/page.html', includeImages });

describe(htmlToMarkdown.name, () => {
  it('keeps headings, emphasis, links and images made absolute, and drops scripts, styles and the head', () => {
    expect(
      md(
        '<head><title>x</title></head><h2>Hi <em>there</em></h2><script>alert(1)</script><style>p{}</style><p>See <a href="../b">B</a> <img src="i.png" alt="I"></p>',
      ),
    ).toBe('## Hi _there_\n\nSee [B](https://example.com/b) ![I](https://example.com/a/i.png)');
  });

  it('drops images when asked, and links that lead nowhere keep their text', () => {
    expect(md('<p>See <img src="i.png" alt="I"> <a href="javascript:void(0)">no link</a></p>', false)).toBe('See no link');
  });

  it('writes lists and tables, and decodes entities', () => {
    expect(md('<ul><li>one<li>two</ul>')).toBe('* one\n* two');
    expect(md('<table><tr><th>a</th></tr><tr><td>1</td></tr></table>')).toContain('| a |');
    expect(md('<p>&lt;a&gt; &amp; &#65;</p>')).toBe('<a> & A');
  });
});
