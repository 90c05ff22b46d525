import { announce, el } from './dom.js';
import { prefs } from './store.js';
import { track } from './telemetry.js';

const TEXT =
  'May we record a few anonymous usage events (answer options you pick, samples you open, ' +
  'links you follow, searches that find nothing, votes on answers)? No cookies, no IP address.';

// The first-visit banner; buttons marked data-consent-open show it again later.
export function setupConsent() {
  const current = el('p', { class: 'consent-current' });
  const banner = el(
    'section',
    { class: 'consent', 'aria-label': 'Privacy choice', hidden: true },
    el('p', { text: TEXT }),
    current,
    el(
      'div',
      { class: 'consent-actions' },
      el('button', { type: 'button', class: 'primary', text: 'Accept', onclick: () => choose('accepted') }),
      el('button', { type: 'button', text: 'Decline', onclick: () => choose('declined') }),
      el('a', { href: '/privacy', text: 'What is collected' }),
    ),
  );
  // In the flow under the header, so it never covers the question box or a dialog.
  (document.querySelector('.site-header') ?? document.body.firstElementChild).after(banner);

  function show() {
    const choice = prefs.consent();
    current.textContent = choice ? `Your current choice: ${choice}.` : '';
    banner.hidden = false;
    banner.querySelector('button').focus();
  }

  function choose(choice) {
    prefs.setConsent(choice);
    banner.hidden = true;
    track('consent_changed', { consent: choice }); // sent only when the choice is 'accepted'
    announce(choice === 'accepted' ? 'Usage events are on. Thank you.' : 'Usage events are off.');
    document.dispatchEvent(new CustomEvent('consentchange', { detail: choice }));
  }

  for (const opener of document.querySelectorAll('[data-consent-open]')) {
    opener.addEventListener('click', show);
  }
  if (!prefs.consent()) banner.hidden = false; // first visit: ask, without taking focus
}
