// What the page remembers in this browser: the consent choice, the answer options and the
// access key. localStorage can be switched off; then choices last until the page closes.

const NAMES = { consent: 'buddy.consent', filters: 'buddy.filters', magicKey: 'buddy.magicKey' };
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
};
