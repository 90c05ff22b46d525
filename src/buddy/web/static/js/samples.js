import { getJson } from './api.js';
import { copyButton, debounce, el } from './dom.js';
import { loadOptions } from './options.js';
import { renderPager } from './pager.js';
import { track } from './telemetry.js';

const PAGE_SIZE = 12;

// A GitHub folder URL (…/tree/<branch>/<path>) clones as its repository; the path is shown apart.
export function cloneTarget(source) {
  const match = /^https:\/\/github\.com\/([^/]+)\/([^/#?]+?)(?:\.git)?(?:\/tree\/[^/]+\/(.+?))?\/?$/.exec(source);
  if (!match) return { command: `git clone ${source}`, folder: '' };
  const [, owner, repo, path] = match;
  return { command: `git clone https://github.com/${owner}/${repo}.git`, folder: path ? `${repo}/${path}` : '' };
}

async function tagLabels() {
  try {
    return (await loadOptions()).tags;
  } catch {
    return {};
  }
}

// The detail dialog, shared by the gallery and the home page.
export function setupSampleDialog() {
  const dialog = document.getElementById('sample-dialog');
  const clone = document.getElementById('sample-clone');
  document.getElementById('sample-clone-copy').replaceWith(
    copyButton(() => clone.textContent, { describedAs: 'the git clone command' }),
  );
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  return async function open(sample) {
    const labels = await tagLabels();
    const { command, folder } = cloneTarget(sample.source);
    document.getElementById('sample-title').textContent = sample.title;
    const author = document.getElementById('sample-author');
    author.textContent = sample.author;
    author.href = sample.authorUrl;
    document.getElementById('sample-description').textContent = sample.description;
    document.getElementById('sample-tags').replaceChildren(
      ...sample.tags.map((tag) => el('li', { class: 'tag', text: labels[tag] ?? tag })),
    );
    clone.textContent = command;
    document.getElementById('sample-path').textContent = folder ? `The sample is in ${folder}.` : '';
    document.getElementById('sample-source').href = sample.source;
    dialog.showModal();
    track('sample_viewed', { id: sample.id });
  };
}

export function sampleCard(sample, labels, open) {
  return el('li', { class: 'card' },
    el('h3', {}, el('button', { type: 'button', class: 'card-open', text: sample.title, onclick: () => open(sample) })),
    el('p', { class: 'muted', text: `by ${sample.author}` }),
    el('p', { text: sample.preview || sample.description }),
    el('ul', { class: 'tags', 'aria-label': 'Tags' },
      sample.tags.slice(0, 6).map((tag) => el('li', { class: 'tag', text: labels[tag] ?? tag }))));
}

export function setupSamples(openSample) {
  const search = document.getElementById('samples-search');
  const tagBox = document.getElementById('samples-tags');
  const list = document.getElementById('samples-list');
  const summary = document.getElementById('samples-summary');
  const pager = document.getElementById('samples-pager');
  const state = { page: 1, search: '', tags: new Set() };
  let labels = {};
  let loaded = false;
  let request = 0;

  async function load() {
    const mine = ++request;
    list.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await getJson('/api/samples', {
        page: state.page,
        page_size: PAGE_SIZE,
        search: state.search,
        tags: [...state.tags].join(','),
      });
    } catch (error) {
      summary.textContent = `Samples could not be loaded: ${error.message}`;
      return;
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
    if (mine !== request) return; // a newer search already answered
    list.replaceChildren(...result.samples.map((sample) => sampleCard(sample, labels, openSample)));
    const filtered = state.search || state.tags.size;
    summary.textContent = result.total
      ? `${result.total} sample${result.total === 1 ? '' : 's'}${filtered ? ' match' : ''}.`
      : 'No samples match. Try fewer words or tags.';
    if (!result.total && filtered) {
      track('search_no_results', { area: 'samples', query: state.search, tags: [...state.tags].join(',') });
    }
    renderPager(pager, result, (page) => {
      state.page = page;
      load().then(() => list.querySelector('.card-open')?.focus());
    });
  }

  function toggleTag(tag, button) {
    if (state.tags.has(tag)) state.tags.delete(tag);
    else state.tags.add(tag);
    button.setAttribute('aria-pressed', String(state.tags.has(tag)));
    state.page = 1;
    load();
  }

  async function renderTags() {
    const [{ tags }, known] = await Promise.all([getJson('/api/samples/tags'), tagLabels()]);
    labels = known;
    const byLabel = [...tags].sort((a, b) => (labels[a] ?? a).localeCompare(labels[b] ?? b));
    tagBox.replaceChildren(...byLabel.map((tag) => {
      const button = el('button', { type: 'button', class: 'chip toggle', 'aria-pressed': 'false', 'data-tag': tag, text: labels[tag] ?? tag });
      button.addEventListener('click', () => toggleTag(tag, button));
      return button;
    }));
  }

  search.addEventListener('input', debounce(() => {
    state.search = search.value.trim();
    state.page = 1;
    load();
  }, 300));

  return {
    async show() {
      if (loaded) return;
      loaded = true;
      try {
        await renderTags();
      } catch {
        tagBox.replaceChildren(); // the gallery still works without tag chips
      }
      await load();
    },
  };
}
