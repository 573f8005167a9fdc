import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToMarkdown } from './html-markdown.js';

const md = (html: string, includeImages = true) => htmlToMarkdown(html, { baseUrl: 'https://example.com/a/page.html', includeImages });

describe(htmlToMarkdown.name, () => {
  it('keeps headings, emphasis, links and images (absolute), drops scripts, styles and the head', () => {
    expect(md('<head><title>x</title></head><h2>Hi <em>there</em></h2><script>alert(1)</script><style>p{}</style><p>See <a href="../b">B</a> <img src="i.png" alt="I"></p>')).toBe(
      '## Hi _there_\n\nSee [B](https://example.com/b) ![I](https://example.com/a/i.png)',
    );
    expect(md('<p>See <img src="i.png" alt="I"> <a href="javascript:void(0)">no link</a></p>', false)).toBe('See no link');
  });

  it('writes nested and ordered lists, with unclosed items', () => {
    expect(md('<ul><li>one<li>two<ul><li>deep</li></ul></ul><ol start="3"><li>c<li>d</ol>')).toBe('* one\n* two\n  * deep\n\n3. c\n4. d');
  });

  it('writes tables as pipe tables, code blocks verbatim, quotes and rules', () => {
    expect(md('<table><tr><th>a</th><th>b|c</th></tr><tr><td>1</td><td>2</td></tr></table>')).toBe('| a | b\\|c |\n| --- | --- |\n| 1 | 2 |');
    expect(md('<pre><code>if x:\n    y()</code></pre><blockquote><p>quoted</p></blockquote><hr>')).toBe('```\nif x:\n    y()\n```\n\n> quoted\n\n* * *');
  });

  it('decodes entities', () => {
    expect(decodeEntities('&lt;a&gt; &amp; &#65;&#x42; &nbsp;&hellip; &bogus;')).toBe('<a> & AB \u00a0… &bogus;');
  });
});
