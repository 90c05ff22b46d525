import { getJson } from './api.js';
import { copyButton, el } from './dom.js';
import { pagedList } from './listing.js';
import { track } from './telemetry.js';

const PAGE_SIZE = 12;

// A GitHub folder URL (…/tree/<branch>/<path>) clones as its repository; the path is shown apart.
export function cloneTarget(source) {
  const match = /^https:\/\/github\.com\/([^/]+)\/([^/#?]+?)(?:\.git)?(?:\/tree\/[^/]+\/(.+?))?\/?$/.exec(source);
  if (!match) return { command: `git clone ${source}`, folder: '' };
  const [, owner, repo, path] = match;
  return { command: `git clone https://github.com/${owner}/${repo}.git`, folder: path ? `${repo}/${path}` : '' };
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

  return function open(sample) {
    const { command, folder } = cloneTarget(sample.source);
    document.getElementById('sample-title').textContent = sample.title;
    const author = document.getElementById('sample-author');
    author.textContent = sample.author;
    author.href = sample.authorUrl;
    document.getElementById('sample-description').textContent = sample.description;
    document.getElementById('sample-tags').replaceChildren(
      ...sample.tags.map((tag) => el('li', { class: 'tag', text: tag })),
    );
    clone.textContent = command;
    document.getElementById('sample-path').textContent = folder ? `The sample is in ${folder}.` : '';
    document.getElementById('sample-source').href = sample.source;
    dialog.showModal();
    track('sample_viewed', { id: sample.id });
  };
}

export function sampleCard(sample, open) {
  return el('li', { class: 'card' },
    el('h3', {}, el('button', { type: 'button', class: 'card-open', text: sample.title, onclick: () => open(sample) })),
    el('p', { class: 'muted', text: `by ${sample.author}` }),
    el('p', { text: sample.preview || sample.description }),
    el('ul', { class: 'tags', 'aria-label': 'Tags' },
      sample.tags.slice(0, 6).map((tag) => el('li', { class: 'tag', text: tag }))));
}

export function setupSamples(openSample) {
  const tagBox = document.getElementById('samples-tags');
  const chosenTags = new Set();
  const samples = pagedList({
    ids: ['samples-list', 'samples-summary', 'samples-pager', 'samples-search'],
    noun: 'Samples',
    fetchPage: ({ page, search }) => getJson('/api/samples', {
      page, page_size: PAGE_SIZE, search, tags: [...chosenTags].join(','),
    }),
    render: (result) => result.samples.map((sample) => sampleCard(sample, openSample)),
    focusSelector: '.card-open',
    onResult(result, { search }) {
      const filtered = search || chosenTags.size;
      const line = result.total
        ? `${result.total} sample${result.total === 1 ? '' : 's'}${filtered ? ' match' : ''}.`
        : 'No samples match. Try fewer words or tags.';
      if (!result.total && filtered) {
        track('search_no_results', { area: 'samples', query: search, tags: [...chosenTags].join(',') });
      }
      return line;
    },
  });

  function toggleTag(tag, button) {
    if (chosenTags.has(tag)) chosenTags.delete(tag);
    else chosenTags.add(tag);
    button.setAttribute('aria-pressed', String(chosenTags.has(tag)));
    samples.restart();
  }

  // Tags arrive as the labels people read ("Semantic Kernel"); `?tags=` takes them back as they are.
  async function renderTags() {
    try {
      const { tags } = await getJson('/api/samples/tags');
      tagBox.replaceChildren(...tags.map((tag) => {
        const button = el('button', { type: 'button', class: 'chip toggle', 'aria-pressed': 'false', 'data-tag': tag, text: tag });
        button.addEventListener('click', () => toggleTag(tag, button));
        return button;
      }));
    } catch {
      tagBox.replaceChildren(); // the gallery still works without tag chips
    }
  }

  return { show: () => samples.showOnce(renderTags) };
}
