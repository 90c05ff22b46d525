import { prefs } from './store.js';

const MAX_VALUE_CHARS = 200;

// Events go out only after the visitor accepted; before a choice or after declining, nothing
// is sent at all (not even a request that says "no consent").
export function track(eventType, data = {}) {
  if (prefs.consent() !== 'accepted') return false;
  const clipped = Object.fromEntries(
    Object.entries(data).map(([name, value]) => [
      name,
      typeof value === 'string' ? value.slice(0, MAX_VALUE_CHARS) : value,
    ]),
  );
  const body = JSON.stringify({
    event_type: eventType,
    data: clipped,
    timestamp: new Date().toISOString(),
    user_consent: true,
  });
  fetch('/api/telemetry', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    keepalive: true, // still delivered when the click leaves the page
  }).catch(() => {});
  return true;
}

// Links marked data-external="<kind>" report that they were followed.
export function trackExternalLinks(root = document) {
  const report = (event) => {
    const link = event.target.closest?.('a[data-external]');
    if (link && link.href) track('external_click', { kind: link.dataset.external, url: link.href });
  };
  root.addEventListener('click', report);
  root.addEventListener('auxclick', report);
}
