import { AnswerView, markdownRenderer, plainText, questionView } from './answer.js';
import { ApiError, jsonLines, postJson } from './api.js';
import { announce } from './dom.js';
import { currentFilters } from './options.js';
import { prefs } from './store.js';
import { track } from './telemetry.js';
import { storedTurns, transcript } from './transcript.js';

// The server keeps at most 50 turns and trims by tokens; the newest turns matter most.
const MAX_HISTORY_TURNS = 40;

// Keep the newest text in view while the reader is at the bottom; leave them be if they scrolled up.
function followingBottom(render) {
  return (target, text) => {
    const root = document.scrollingElement;
    const atBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 120;
    render(target, text);
    if (atBottom) root.scrollTop = root.scrollHeight;
  };
}

// What one stream event does to the answer; an outcome once the answer is over.
function handle(event, view) {
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
  return null;
}

async function readToEnd(events) {
  try {
    while (!(await events.next()).done);
  } catch {
    // stopped or cut off after the answer was over: nothing left to wait for
  }
}

// The outcome comes with the last answer event; `ended` settles when the body does, which is
// after the server saved the answer to the conversation.
async function consume(response, view) {
  const events = jsonLines(response);
  for (;;) {
    const { value, done } = await events.next();
    if (done) break;
    const outcome = handle(value, view);
    if (outcome) return { ...outcome, ended: readToEnd(events) };
  }
  return { kind: 'failed', error: new ApiError(0, 'cut_off', 'The answer was cut off; please retry.') };
}

// The chat stays stateless (each question carries its `history`); `conversation` (a
// CurrentConversation) is where the server keeps a copy, made with the first question.
export function setupChat(conversation) {
  const view = document.getElementById('view-chat');
  const log = document.getElementById('conversation');
  const form = document.getElementById('ask-form');
  const question = document.getElementById('question');
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');
  const turns = []; // finished {role, content} pairs, sent back as `history`
  let controller = null;
  let shown = 0; // counts what the log shows, so a slow render cannot land on a newer one

  function setBusy(busy) {
    stop.hidden = !busy;
    send.disabled = busy;
  }

  async function post(message, history, signal) {
    const body = { message, history, filters: currentFilters() };
    const key = prefs.magicKey();
    if (key) body.magic_key = key;
    body.conversation_id = await conversation.ensure();
    const headers = { 'X-Owner-Token': prefs.ownerToken() };
    return postJson('/api/chat', body, { signal, headers });
  }

  async function answer(message, history) {
    controller = new AbortController();
    const { signal } = controller;
    setBusy(true);
    const current = new AnswerView(followingBottom(plainText));
    log.append(current.root);
    let outcome;
    try {
      current.render = followingBottom(await markdownRenderer());
      outcome = await consume(await post(message, history, signal), current);
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
    // Deleted elsewhere: the retry starts a new conversation.
    if (outcome.error?.code === 'conversation_not_found') conversation.clear();
    await outcome.ended;
    conversation.answered(); // the list shows the new title, size and order
  }

  function ask(text) {
    const message = text.trim();
    if (!message || controller) return;
    question.value = '';
    view.classList.add('chatting');
    const asked = questionView(message);
    log.append(asked);
    asked.scrollIntoView({ block: 'nearest' });
    track('chat_started', { turn: turns.length / 2 + 1 });
    answer(message, turns.slice(-MAX_HISTORY_TURNS));
  }

  function clearLog() {
    controller?.abort();
    shown += 1;
    turns.length = 0;
    log.replaceChildren();
    view.classList.remove('chatting');
  }

  // A stored conversation's messages, ready to be continued.
  async function show(messages) {
    clearLog();
    const showing = shown;
    const render = await markdownRenderer();
    if (showing !== shown) return;
    turns.push(...storedTurns(messages));
    log.append(...transcript(messages, render, { withFeedback: true }));
    view.classList.toggle('chatting', messages.length > 0);
    const root = document.scrollingElement;
    root.scrollTop = root.scrollHeight;
  }

  function newChat() {
    conversation.clear();
    clearLog();
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
    // Esc belongs to an open dialog or drawer first (it closes it).
    if (event.key === 'Escape' && controller && !document.querySelector('dialog[open], .conversations.is-open')) {
      event.preventDefault();
      controller.abort();
    }
  });
  document.getElementById('new-chat').addEventListener('click', newChat);
  return { ask, show, newChat };
}
