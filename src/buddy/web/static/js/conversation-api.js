// The conversations API. Every call says who is asking: the browser's owner token (development
// servers) and the access key when there is one (production servers); the server uses the
// one its mode needs.
import { getJson, sendJson } from './api.js';
import { prefs } from './store.js';

export const CONVERSATIONS_PAGE_SIZE = 20;

export function ownerHeaders() {
  const headers = { 'X-Owner-Token': prefs.ownerToken() };
  const key = prefs.magicKey();
  if (key) headers['X-Magic-Key'] = key;
  return headers;
}

const path = (...parts) => ['/api', ...parts.map(encodeURIComponent)].join('/');
const send = (method, url, body) => sendJson(method, url, body, { headers: ownerHeaders() });
const sendForJson = async (method, url, body) => (await send(method, url, body)).json();

export const conversationsApi = {
  list: ({ page = 1, search = '' } = {}) =>
    getJson(path('conversations'), { page, page_size: CONVERSATIONS_PAGE_SIZE, search }, { headers: ownerHeaders() }),
  get: (id) => getJson(path('conversations', id), {}, { headers: ownerHeaders() }),
  create: (title) => sendForJson('POST', path('conversations'), title ? { title } : {}),
  rename: (id, title) => sendForJson('PATCH', path('conversations', id), { title }),
  remove: (id) => send('DELETE', path('conversations', id)),
  shares: (id) => getJson(path('conversations', id, 'shares'), {}, { headers: ownerHeaders() }),
  share: (id, days) =>
    sendForJson('POST', path('conversations', id, 'shares'), days ? { expires_in_days: days } : {}),
  revoke: (id, shareId) => send('DELETE', path('conversations', id, 'shares', shareId)),
};

// A shared conversation is open to anyone with its link; continuing it makes the caller's copy.
export const sharesApi = {
  get: (token) => getJson(path('shares', token)),
  continue: (token) => sendForJson('POST', path('shares', token, 'continue')),
};
