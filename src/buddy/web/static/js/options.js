import { getJson } from './api.js';
import { announce, el } from './dom.js';
import { prefs } from './store.js';
import { track } from './telemetry.js';

let optionsPromise = null;

// The filter values and tag labels, served from the server's one taxonomy list.
export function loadOptions() {
  optionsPromise ??= getJson('/api/options');
  return optionsPromise;
}

// The filters sent with a question: only the ones that are set.
export function currentFilters() {
  return Object.fromEntries(Object.entries(prefs.filters()).filter(([, value]) => value));
}

export async function setupOptions() {
  const dialog = document.getElementById('options-dialog');
  const fields = document.getElementById('options-fields');
  const chips = document.getElementById('filter-chips');
  const opener = document.getElementById('options-button');
  let filters = [];
  const selects = new Map();

  function renderChips() {
    const chosen = currentFilters();
    chips.replaceChildren(
      ...filters
        .filter((filter) => chosen[filter.name])
        .map((filter) =>
          el('span', { class: 'chip', 'data-filter': filter.name },
            el('span', { class: 'chip-label', text: `${filter.label}: ${chosen[filter.name]}` }),
            el('button', {
              type: 'button',
              class: 'chip-remove',
              'aria-label': `Remove the ${filter.label} option`,
              text: '×',
              onclick: () => {
                apply({ ...chosen, [filter.name]: '' });
                opener.focus();
              },
            }))),
    );
  }

  function apply(next) {
    const before = currentFilters();
    for (const filter of filters) {
      const value = next[filter.name] || '';
      if (value !== (before[filter.name] || '')) {
        track('filter_used', { filter: filter.name, value: value || null });
      }
    }
    prefs.setFilters(Object.fromEntries(Object.entries(next).filter(([, value]) => value)));
    renderChips();
    announce('Answer options saved.');
  }

  try {
    ({ filters } = await loadOptions());
  } catch {
    opener.disabled = true;
    opener.title = 'Options could not be loaded';
    return;
  }
  for (const filter of filters) {
    const id = `option-${filter.name}`;
    const select = el('select', { id, name: filter.name },
      el('option', { value: '', text: 'Any' }),
      filter.values.map((value) => el('option', { value, text: value })));
    selects.set(filter.name, select);
    fields.append(el('div', { class: 'field' }, el('label', { for: id, text: filter.label }), select));
  }
  // Drop remembered values the server no longer offers, so every request stays meaningful.
  const stored = currentFilters();
  const valid = Object.fromEntries(filters
    .filter((filter) => filter.values.includes(stored[filter.name]))
    .map((filter) => [filter.name, stored[filter.name]]));
  prefs.setFilters(valid);
  renderChips();

  opener.addEventListener('click', () => {
    const chosen = currentFilters();
    for (const [name, select] of selects) select.value = chosen[name] || '';
    dialog.returnValue = '';
    dialog.showModal();
  });
  document.getElementById('options-clear').addEventListener('click', () => {
    for (const select of selects.values()) select.value = '';
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'save') return;
    apply(Object.fromEntries([...selects].map(([name, select]) => [name, select.value])));
  });
}
