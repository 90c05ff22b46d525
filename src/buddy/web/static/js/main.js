import { setupChat } from './chat.js';
import { setupConsent } from './consent.js';
import { setupConversations } from './conversations.js';
import { CurrentConversation } from './current-conversation.js';
import { trapFocus } from './dom.js';
import { setupHome } from './home.js';
import { captureMagicKey } from './key.js';
import { setupNews } from './news.js';
import { setupOptions } from './options.js';
import { setupSampleDialog, setupSamples } from './samples.js';
import { setupShareDialog } from './share-dialog.js';
import { trackExternalLinks } from './telemetry.js';

captureMagicKey();
setupConsent();
trackExternalLinks();
for (const dialog of document.querySelectorAll('dialog')) trapFocus(dialog);

const conversation = new CurrentConversation();
const chat = setupChat(conversation);
setupConversations(conversation, chat);
setupShareDialog(conversation);
const openSample = setupSampleDialog();
const views = {
  chat: { show() {} },
  samples: setupSamples(openSample),
  news: setupNews(),
};

// Views are sections of one page, chosen by the URL fragment (#chat, #samples, #news).
function route(moveFocus) {
  const name = window.location.hash.slice(1);
  const current = name in views ? name : 'chat';
  for (const section of document.querySelectorAll('[data-view]')) {
    section.hidden = section.dataset.view !== current;
  }
  for (const link of document.querySelectorAll('[data-view-link]')) {
    if (link.dataset.viewLink === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  views[current].show();
  if (moveFocus) {
    // Tell keyboard and screen-reader users where they landed.
    const heading = document.querySelector(`[data-view="${current}"] h1`);
    if (current === 'chat') document.getElementById('question').focus();
    else heading?.focus();
  }
}

window.addEventListener('hashchange', () => route(true));
route(false);
setupOptions();
setupHome(chat, openSample);
