// What the page remembers in this browser: the consent choice, the answer options, the access
// key, the conversation in progress and the token that owns this browser's conversations.
// localStorage can be switched off; then choices last until the page closes.

const NAMES = {
  consent: 'buddy.consent',
  filters: 'buddy.filters',
  magicKey: 'buddy.magicKey',
  conversation: 'buddy.conversation',
  ownerToken: 'buddy.ownerToken',
};
const OWNER_TOKEN = /^[0-9a-f]{32}$/;
const memory = new Map();

function read(name) {
  try {
    return window.localStorage.getItem(name);
  } catch {
    return memory.get(name) ?? null;
  }
}

function write(name, value) {
  try {
    if (value === null) window.localStorage.removeItem(name);
    else window.localStorage.setItem(name, value);
  } catch {
    if (value === null) memory.delete(name);
    else memory.set(name, value);
  }
}

export const prefs = {
  // 'accepted', 'declined', or null before the visitor chose
  consent: () => read(NAMES.consent),
  setConsent: (choice) => write(NAMES.consent, choice),
  filters() {
    try {
      const parsed = JSON.parse(read(NAMES.filters) ?? '{}');
      return parsed && typeof parsed === 'object' ? parsed : {};
    } catch {
      return {};
    }
  },
  setFilters: (filters) => write(NAMES.filters, JSON.stringify(filters)),
  magicKey: () => read(NAMES.magicKey),
  setMagicKey: (key) => write(NAMES.magicKey, key),
  // The id of the conversation the chat continues, or null for a fresh one.
  conversation: () => read(NAMES.conversation),
  setConversation: (id) => write(NAMES.conversation, id),
  // Without accounts, a random token made once in this browser says whose conversations
  // these are (development servers; production ones go by the access key).
  ownerToken() {
    const kept = read(NAMES.ownerToken);
    if (kept && OWNER_TOKEN.test(kept)) return kept;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const token = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    write(NAMES.ownerToken, token);
    return token;
  },
};
