// One question and one answer as the page shows them: live while an answer streams, or
// rebuilt from a stored conversation (the chat's history, a shared link).
import { ApiError } from './api.js';
import { announce, el } from './dom.js';
import { feedbackControls } from './feedback.js';
import { prefs } from './store.js';

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

// The renderer answers are drawn with: Markdown, or the text as it is if the module failed.
export async function markdownRenderer() {
  try {
    return (await loadMarkdown()).renderMarkdown;
  } catch {
    markdownModule = null; // try again with the next answer
    return plainText;
  }
}

// What went wrong, said so a person knows what to do next.
export function describeFailure(error) {
  if (error instanceof ApiError) {
    if (error.code === 'owner_token_required') {
      return 'This browser could not prove which conversations are its own (its storage may be ' +
        'blocked or cleared). Allow site data for this page, reload, then retry.';
    }
    if (error.code === 'conversation_not_found') {
      return 'This conversation no longer exists (it may have been deleted in another tab). ' +
        'Retry to ask in a new conversation.';
    }
    if (error.code === 'conversation_limit') {
      return `${error.message} Delete a conversation you no longer need, then retry.`;
    }
    if (error.code === 'conversation_full') {
      return `${error.message} Start a new conversation to keep asking.`;
    }
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
export class AnswerView {
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

  // A stored answer: its text, the tools it used, its sources, and either the vote already
  // given (when `withFeedback`) or a note that it never finished.
  showStored(message, { withFeedback }) {
    this.text = message.content ?? '';
    this.flush();
    for (const call of message.tool_calls ?? []) this.toolFinished(call.tool);
    for (const citation of message.citations ?? []) this.addCitation(citation);
    this.root.setAttribute('aria-busy', 'false');
    if (message.span_id) this.root.dataset.spanId = message.span_id;
    if (message.status === 'error' || message.status === 'cancelled') {
      const text = message.status === 'cancelled'
        ? 'This answer was stopped before it finished.'
        : 'This answer failed before it finished.';
      this.footer.append(el('div', { class: 'notice' }, el('p', { text })));
    } else if (withFeedback && message.span_id) {
      this.footer.append(feedbackControls(message.span_id, message.vote ?? null));
    }
    return this;
  }
}

// Until the Markdown module is loaded (or if it cannot be), text is shown as it is.
export function plainText(target, text) {
  target.replaceChildren(el('p', { class: 'plain', text }));
}

export function questionView(text) {
  return el('article', { class: 'turn user', 'aria-label': 'You asked' }, el('p', { class: 'bubble', text }));
}
