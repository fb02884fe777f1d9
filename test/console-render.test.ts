/**
 * How the web console shows a message's text (web/console/src/render.ts, pure: runs here without a browser):
 * markdown rendered, anything a message could smuggle in as HTML shown as text, links only to http(s) or the
 * same site, @-mentions and item numbers highlighted — never inside a tag or an attribute.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, highlight, messageHtml } from '../web/console/src/render.js';

describe('web console message rendering', () => {
  it('renders the markdown the bot sends', () => {
    const html = messageHtml({ text: 'x', markdown: '**指挥部令〔2026〕第17号**\n- 清溪街道 3/84\n- 华岭镇 0/67' });
    expect(html).toContain('<strong>');
    expect(html).toMatch(/<li>清溪街道 3\/84<\/li>/);
    expect(html).toContain('<span class="num">指挥部令〔2026〕第17号</span>');
  });

  it('shows plain text as text, its line breaks kept', () => {
    expect(messageHtml({ text: '第一行\n<b>第二行</b> & 3 > 2' })).toBe('第一行<br>&lt;b&gt;第二行&lt;/b&gt; &amp; 3 &gt; 2');
  });

  it('never lets a message run script or load what it names', () => {
    const attacks = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '<iframe src="https://evil.example"></iframe>',
      '[点我](javascript:alert(1))',
      '[点我](data:text/html,<script>alert(1)</script>)',
      '![x](javascript:alert(1))',
      '<a href="javascript:alert(1)">x</a>',
    ];
    for (const a of attacks) {
      for (const html of [messageHtml({ text: a, markdown: a }), messageHtml({ text: a })]) {
        expect(html, a).not.toMatch(/<(script|img|iframe)\b/i);
        expect(html, a).not.toMatch(/href="(javascript|data):/i);
        expect(html, a).not.toMatch(/<[^>]+\son\w+=/i);
      }
    }
    expect(messageHtml({ text: '', markdown: '[导出](https://gr.example.cn/x?token=1) [本站](/dashboard)' })).toMatch(
      /<a href="https:\/\/gr\.example\.cn\/x\?token=1" target="_blank" rel="noopener noreferrer">导出<\/a>.*<a href="\/dashboard"/,
    );
  });

  it('highlights @-mentions and the numbers people quote', () => {
    const html = messageHtml({ text: '@卢洋桂 @何刚 请确认 指挥部令〔2026〕第17号、通告〔2026〕第3号、专项任务〔2026〕第2号、督查〔2026〕第5号 和 线索 20261202-007' });
    for (const m of ['@卢洋桂', '@何刚']) expect(html).toContain(`<span class="mention">${m}</span>`);
    for (const n of ['指挥部令〔2026〕第17号', '通告〔2026〕第3号', '专项任务〔2026〕第2号', '督查〔2026〕第5号', '线索 20261202-007']) {
      expect(html).toContain(`<span class="num">${n}</span>`);
    }
  });

  it('highlights only between tags, never inside an attribute', () => {
    const html = highlight(`<a href="/x?q=@张三&amp;n=${escapeHtml('〔2026〕第1号')}" title="@李四">@王五</a>`);
    expect(html).toBe('<a href="/x?q=@张三&amp;n=〔2026〕第1号" title="@李四"><span class="mention">@王五</span></a>');
  });
});
