// The read-only page behind a share link (/share/{token}): the conversation as it was shared,
// and a button that makes a copy of it the visitor can continue.
import { describeFailure, markdownRenderer } from './answer.js';
import { setupConsent } from './consent.js';
import { sharesApi } from './conversation-api.js';
import { formatDateTime } from './dom.js';
import { captureMagicKey } from './key.js';
import { prefs } from './store.js';
import { trackExternalLinks } from './telemetry.js';
import { transcript } from './transcript.js';

const title = document.getElementById('shared-title');
const meta = document.getElementById('shared-meta');
const messages = document.getElementById('shared-messages');
const actions = document.getElementById('shared-actions');
const problem = document.getElementById('shared-problem');
const start = document.getElementById('shared-start');
const token = decodeURIComponent(window.location.pathname.split('/').filter(Boolean).at(-1) ?? '');

function gone() {
  title.textContent = 'This link no longer works';
  meta.textContent = 'The conversation behind it was unshared, its link expired, or it never ' +
    'existed (check that the whole link was copied). Ask whoever sent it for a new one.';
  document.title = 'Link not found · C# AI Buddy';
  start.hidden = false;
}

function failed(error) {
  problem.textContent = `The shared conversation could not be loaded. ${describeFailure(error)}`;
  problem.hidden = false;
  meta.textContent = '';
  start.hidden = false;
}

async function show() {
  let shared;
  try {
    shared = await sharesApi.get(token);
  } catch (error) {
    if (error?.status === 404 || error?.status === 422) gone();
    else failed(error);
    return;
  }
  const name = shared.title || 'Shared conversation';
  title.textContent = name;
  document.title = `${name} · C# AI Buddy`;
  const expires = shared.expires_at ? ` · the link expires ${formatDateTime(shared.expires_at)}` : '';
  meta.textContent = `Shared ${formatDateTime(shared.shared_at)}${expires} · read-only`;
  messages.replaceChildren(...transcript(shared.messages, await markdownRenderer(), { withFeedback: false }));
  actions.hidden = false;
}

async function continueHere(event) {
  const button = event.currentTarget;
  button.disabled = true;
  problem.hidden = true;
  try {
    const copy = await sharesApi.continue(token);
    prefs.setConversation(copy.id);
    window.location.assign('/');
  } catch (error) {
    button.disabled = false;
    if (error?.status === 404) { // revoked or expired since the page opened
      messages.replaceChildren();
      actions.hidden = true;
      gone();
      return;
    }
    problem.textContent = `Could not continue it. ${describeFailure(error)}`;
    problem.hidden = false;
  }
}

captureMagicKey();
setupConsent();
trackExternalLinks();
document.getElementById('shared-continue').addEventListener('click', continueHere);
show();
