import { prefs } from './store.js';

// `?key=...` on any page: keep it in this browser and take it out of the address bar, so it is
// not bookmarked, shared in a screenshot or sent onward as a referrer.
export function captureMagicKey() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('key')) return;
  const key = url.searchParams.get('key').trim();
  if (key) prefs.setMagicKey(key);
  url.searchParams.delete('key');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}
