import { getJson } from './api.js';
import { debounce, el, formatDate } from './dom.js';
import { renderPager } from './pager.js';
import { track } from './telemetry.js';

const PAGE_SIZE = 10;

export function newsMeta(item) {
  const date = formatDate(item.published_date);
  return el('p', { class: 'muted news-meta' },
    item.source,
    date ? ' · ' : '',
    date ? el('time', { datetime: item.published_date, text: item.published_date_estimated ? `about ${date}` : date }) : '');
}

function newsEntry(item) {
  return el('li', { class: 'news-item' },
    el('h3', {}, el('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer', 'data-external': 'news', text: item.title })),
    newsMeta(item),
    el('p', { text: item.summary }));
}

export function setupNews() {
  const search = document.getElementById('news-search');
  const list = document.getElementById('news-list');
  const summary = document.getElementById('news-summary');
  const pager = document.getElementById('news-pager');
  const state = { page: 1, search: '' };
  let loaded = false;
  let request = 0;

  async function load() {
    const mine = ++request;
    list.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await getJson('/api/news', { page: state.page, page_size: PAGE_SIZE, search: state.search });
    } catch (error) {
      summary.textContent = `News could not be loaded: ${error.message}`;
      return;
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
    if (mine !== request) return;
    list.replaceChildren(...result.news.map(newsEntry));
    summary.textContent = result.total
      ? `${result.total} item${result.total === 1 ? '' : 's'}${state.search ? ' match' : ''}, newest first.`
      : 'No news matches. Try other words.';
    if (!result.total && state.search) track('search_no_results', { area: 'news', query: state.search });
    renderPager(pager, result, (page) => {
      state.page = page;
      load().then(() => list.querySelector('a')?.focus());
    });
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
      await load();
    },
  };
}
