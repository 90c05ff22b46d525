import { ApiError, jsonLines, postJson } from './api.js';
import { announce, el } from './dom.js';
import { feedbackControls } from './feedback.js';
import { currentFilters } from './options.js';
import { prefs } from './store.js';
import { track } from './telemetry.js';

// The server keeps at most 50 turns and trims by tokens; the newest turns matter most.
const MAX_HISTORY_TURNS = 40;

// What a tool call looks like to a person: [while running, when done].
const TOOL_LABELS = {
  search_knowledge_base: ['Searching docs…', 'Searched docs'],
  search_samples: ['Looking for samples…', 'Looked for samples'],
  search_news: ['Checking the news…', 'Checked the news'],
  search_nuget: ['Looking up NuGet…', 'Looked up NuGet'],
  get_nuget_package: ['Looking up NuGet…', 'Looked up NuGet'],
  web_search: ['Searching the web…', 'Searched the web'],
  microsoft_learn: ['Asking Microsoft Learn…', 'Microsoft Learn'],
};

function toolLabels(tool) {
  if (TOOL_LABELS[tool]) return TOOL_LABELS[tool];
  if (tool.startsWith('microsoft_')) return TOOL_LABELS.microsoft_learn; // the Learn MCP tools
  return [`Using ${tool}…`, `Used ${tool}`];
}

// Markdown rendering (and its libraries) loads with the first answer, not with the page.
let markdownModule = null;
const loadMarkdown = () => (markdownModule ??= import('./markdown.js'));

function describeFailure(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return 'An access key is needed to chat here. Open the link with your key once ' +
        '(it ends in ?key=…) and this browser will remember it.';
    }
    if (error.status === 403) {
      return 'The access key saved in this browser is not valid (unknown, disabled or expired). ' +
        'Ask for a new link.';
    }
    if (error.status === 429) {
      const wait = error.retryAfter ? `${error.retryAfter} seconds` : 'a moment';
      return `Too many questions in a short time; wait ${wait}, then retry.`;
    }
    return error.message;
  }
  return 'The server could not be reached. Check the connection, then retry.';
}

// One answer as it streams: tool chips, the rendered Markdown, sources, then feedback or a notice.
class AnswerView {
  constructor(render) {
    this.render = render;
    this.text = '';
    this.frame = 0;
    this.chips = new Map();
    this.cited = new Set();
    this.tools = el('ul', { class: 'tool-chips', 'aria-label': 'What the assistant did' });
    this.body = el('div', { class: 'markdown' });
    this.sources = el('ol', { class: 'citations' });
    this.sourcesBox = el('section', { class: 'sources', hidden: true, 'aria-label': 'Sources' },
      el('h3', { text: 'Sources' }), this.sources);
    this.footer = el('div', { class: 'answer-footer' });
    this.root = el('article', { class: 'turn assistant', 'aria-busy': 'true', 'aria-label': 'Answer' },
      this.tools, this.body, this.sourcesBox, this.footer);
    this.body.append(el('p', { class: 'muted thinking', text: 'Thinking…' }));
  }

  addText(chunk) {
    this.text += chunk;
    // Re-render at most once a frame: chunks arrive far faster than anyone reads.
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.render(this.body, this.text);
    });
  }

  flush() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.text) this.render(this.body, this.text);
    else this.body.replaceChildren();
  }

  toolStarted(tool) {
    const [running] = toolLabels(tool);
    const chip = el('li', { class: 'tool-chip running', text: running });
    this.chips.set(tool, [...(this.chips.get(tool) ?? []), chip]);
    this.tools.append(chip);
  }

  toolFinished(tool) {
    const [, done] = toolLabels(tool);
    const chip = (this.chips.get(tool) ?? []).find((item) => item.classList.contains('running'));
    if (chip) {
      chip.classList.replace('running', 'done');
      chip.textContent = done;
    } else {
      this.tools.append(el('li', { class: 'tool-chip done', text: done })); // a note with no call
    }
  }

  addCitation({ title, url, source }) {
    if (!url || this.cited.has(url) || !/^https?:\/\//i.test(url)) return;
    this.cited.add(url);
    // An answer that lists its sources itself (the offline one does, for clients that ignore
    // citation lines) gets no second list of the same links.
    if (this.listsLink(url)) return;
    this.sources.append(el('li', {},
      el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', 'data-external': 'citation', text: title || url }),
      source ? el('span', { class: 'source-kind', text: ` ${source}` }) : null));
    this.sourcesBox.hidden = false;
  }

  // Whether the rendered answer has a list item that opens with a link to `url`.
  listsLink(url) {
    if (this.frame) this.flush(); // citations follow the text: render what is still pending
    const wanted = new URL(url).href;
    return [...this.body.querySelectorAll('li a[href]')].some((link) => link.href === wanted
      && link.closest('li').textContent.trimStart().startsWith(link.textContent.trim()));
  }

  finish(outcome, retry) {
    this.flush();
    for (const chip of this.tools.querySelectorAll('.running')) chip.classList.replace('running', 'done');
    this.root.setAttribute('aria-busy', 'false');
    if (outcome.kind === 'complete') {
      this.root.dataset.spanId = outcome.spanId;
      this.footer.append(feedbackControls(outcome.spanId));
      announce('The answer is complete.');
      return;
    }
    const stopped = outcome.kind === 'stopped';
    const message = stopped ? 'Stopped. The answer above is incomplete.' : describeFailure(outcome.error);
    const notice = el('div', { class: stopped ? 'notice' : 'notice error', role: stopped ? null : 'alert' },
      el('p', { text: message }),
      el('button', { type: 'button', text: stopped ? 'Ask again' : 'Retry', onclick: retry }));
    if (outcome.error?.status === 403 && prefs.magicKey()) {
      notice.append(el('button', {
        type: 'button',
        text: 'Forget the saved key',
        onclick: (event) => {
          prefs.setMagicKey(null);
          event.target.disabled = true;
          announce('The saved access key was removed.');
        },
      }));
    }
    this.footer.append(notice);
    if (stopped) announce('Stopped.');
  }
}

// Until the Markdown module is loaded (or if it cannot be), text is shown as it is.
function plainText(target, text) {
  target.replaceChildren(el('p', { class: 'plain', text }));
}

// Keep the newest text in view while the reader is at the bottom; leave them be if they scrolled up.
function followingBottom(render) {
  return (target, text) => {
    const root = document.scrollingElement;
    const atBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 120;
    render(target, text);
    if (atBottom) root.scrollTop = root.scrollHeight;
  };
}

async function consume(response, view) {
  for await (const event of jsonLines(response)) {
    switch (event.type) {
      case 'metadata': view.root.dataset.spanId = event.span_id; break;
      case 'tool_call': view.toolStarted(event.tool); break;
      case 'tool output': view.toolFinished(event.tool); break;
      case 'content': view.addText(event.content); break;
      case 'citation': view.addCitation(event); break;
      case 'complete': return { kind: 'complete', spanId: event.span_id };
      case 'error': return { kind: 'failed', error: new ApiError(200, event.code, event.content) };
      default: break; // heartbeat, usage and types added later
    }
  }
  return { kind: 'failed', error: new ApiError(0, 'cut_off', 'The answer was cut off; please retry.') };
}

export function setupChat() {
  const view = document.getElementById('view-chat');
  const log = document.getElementById('conversation');
  const form = document.getElementById('ask-form');
  const question = document.getElementById('question');
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');
  const turns = []; // finished {role, content} pairs, sent back as `history`
  let controller = null;

  function setBusy(busy) {
    stop.hidden = !busy;
    send.disabled = busy;
  }

  async function answer(message, history) {
    controller = new AbortController();
    const { signal } = controller;
    setBusy(true);
    const current = new AnswerView(followingBottom(plainText));
    log.append(current.root);
    let outcome;
    try {
      current.render = followingBottom((await loadMarkdown()).renderMarkdown);
      const body = { message, history, filters: currentFilters() };
      const key = prefs.magicKey();
      if (key) body.magic_key = key;
      outcome = await consume(await postJson('/api/chat', body, { signal }), current);
    } catch (error) {
      outcome = signal.aborted ? { kind: 'stopped' } : { kind: 'failed', error };
    } finally {
      controller = null;
      setBusy(false);
    }
    current.finish(outcome, () => {
      current.root.remove();
      answer(message, history);
    });
    if (outcome.kind === 'complete') {
      turns.push({ role: 'user', content: message }, { role: 'assistant', content: current.text });
    }
  }

  function ask(text) {
    const message = text.trim();
    if (!message || controller) return;
    question.value = '';
    view.classList.add('chatting');
    const asked = el('article', { class: 'turn user', 'aria-label': 'You asked' },
      el('p', { class: 'bubble', text: message }));
    log.append(asked);
    asked.scrollIntoView({ block: 'nearest' });
    track('chat_started', { turn: turns.length / 2 + 1 });
    answer(message, turns.slice(-MAX_HISTORY_TURNS));
  }

  function newChat() {
    controller?.abort();
    turns.length = 0;
    log.replaceChildren();
    view.classList.remove('chatting');
    question.value = '';
    question.focus();
    announce('New chat started.');
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ask(question.value);
  });
  question.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(question.value);
    }
  });
  stop.addEventListener('click', () => controller?.abort());
  document.addEventListener('keydown', (event) => {
    // Esc belongs to an open dialog first (it closes it).
    if (event.key === 'Escape' && controller && !document.querySelector('dialog[open]')) {
      event.preventDefault();
      controller.abort();
    }
  });
  document.getElementById('new-chat').addEventListener('click', newChat);
  return { ask };
}
