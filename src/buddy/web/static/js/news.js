import { getJson } from './api.js';
import { el, formatDate } from './dom.js';
import { pagedList } from './listing.js';
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
  const news = pagedList({
    ids: ['news-list', 'news-summary', 'news-pager', 'news-search'],
    noun: 'News',
    fetchPage: ({ page, search }) => getJson('/api/news', { page, page_size: PAGE_SIZE, search }),
    render: (result) => result.news.map(newsEntry),
    focusSelector: 'a',
    onResult(result, { search }) {
      const line = result.total
        ? `${result.total} item${result.total === 1 ? '' : 's'}${search ? ' match' : ''}, newest first.`
        : 'No news matches. Try other words.';
      if (!result.total && search) track('search_no_results', { area: 'news', query: search });
      return line;
    },
  });
  return { show: () => news.showOnce() };
}
