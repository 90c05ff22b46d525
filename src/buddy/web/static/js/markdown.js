// Model output to DOM: Markdown parsed by marked, raw HTML in it shown as text, the result
// sanitised by DOMPurify with a short allow-list, then code highlighted by highlight.js.
import { Marked } from '../vendor/marked/marked.esm.js';
import DOMPurify from '../vendor/dompurify/purify.es.mjs';
import hljs from '../vendor/highlight/core.min.js';
import bash from '../vendor/highlight/languages/bash.min.js';
import csharp from '../vendor/highlight/languages/csharp.min.js';
import json from '../vendor/highlight/languages/json.min.js';
import powershell from '../vendor/highlight/languages/powershell.min.js';
import xml from '../vendor/highlight/languages/xml.min.js';
import { copyButton, el } from './dom.js';
import { track } from './telemetry.js';

for (const [name, grammar] of Object.entries({ csharp, bash, json, powershell, xml })) {
  hljs.registerLanguage(name, grammar);
}

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

// A C# answer often writes generics such as List<string> outside backticks: as HTML they would
// vanish, as text they read right. Escaping raw HTML also keeps markup from the model inert.
const markdown = new Marked({ gfm: true, renderer: { html: ({ text }) => escapeHtml(text) } });

const ALLOWED_TAGS = [
  'a', 'p', 'br', 'hr', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'sup', 'sub',
];
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const LANGUAGE_CLASS = /^language-[\w#+.-]+$/;

DOMPurify.addHook('uponSanitizeAttribute', (node, data) => {
  // Class names from the model could dress text up as our own controls; only code languages.
  if (data.attrName === 'class') {
    data.keepAttr = node.nodeName === 'CODE' && LANGUAGE_CLASS.test(data.attrValue);
  }
});
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName !== 'A') return;
  if (!SAFE_LINK.test(node.getAttribute('href') ?? '')) {
    node.removeAttribute('href');
    return;
  }
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer nofollow');
  node.dataset.external = 'answer_link';
});

const PURIFY_CONFIG = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'align', 'colspan', 'rowspan'],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

function highlight(code) {
  const language = /language-([\w#+.-]+)/.exec(code.className)?.[1]?.toLowerCase() ?? '';
  const text = code.textContent;
  // highlight.js escapes the text it is given; its output is the only HTML we build ourselves.
  const result = hljs.getLanguage(language)
    ? hljs.highlight(text, { language, ignoreIllegals: true })
    : hljs.highlightAuto(text);
  code.innerHTML = result.value;
  code.classList.add('hljs');
  return hljs.getLanguage(result.language ?? language)?.name ?? language;
}

function decorateCode(code) {
  const pre = code.parentElement;
  const language = highlight(code);
  const bar = el(
    'div',
    { class: 'code-bar' },
    el('span', { class: 'code-language', text: language || 'code' }),
    copyButton(() => code.textContent, {
      describedAs: 'code',
      onCopied: () => track('code_copied', { language: language || 'unknown' }),
    }),
  );
  const block = el('div', { class: 'code-block' });
  pre.replaceWith(block);
  block.append(bar, pre);
}

export function renderMarkdown(target, text) {
  const fragment = DOMPurify.sanitize(markdown.parse(text), PURIFY_CONFIG);
  for (const code of fragment.querySelectorAll('pre > code')) decorateCode(code);
  target.replaceChildren(fragment);
}
