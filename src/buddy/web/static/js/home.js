import { getJson } from './api.js';
import { el } from './dom.js';
import { newsMeta } from './news.js';

// The start screen: example questions, the 3 latest news items and 3 samples.
export async function setupHome(chat, openSample) {
  for (const button of document.querySelectorAll('[data-question]')) {
    button.addEventListener('click', () => chat.ask(button.textContent));
  }
  const newsList = document.getElementById('home-news');
  const samplesList = document.getElementById('home-samples');
  const [news, samples] = await Promise.allSettled([
    getJson('/api/news', { page_size: 3 }),
    getJson('/api/samples', { page_size: 3 }),
  ]);
  newsList.replaceChildren(...(news.status === 'fulfilled'
    ? news.value.news.map((item) => el('li', {},
      el('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer', 'data-external': 'news', text: item.title }),
      newsMeta(item)))
    : [el('li', { class: 'muted', text: 'News could not be loaded.' })]));
  samplesList.replaceChildren(...(samples.status === 'fulfilled'
    ? samples.value.samples.map((sample) => el('li', {},
      el('button', { type: 'button', class: 'link-button', text: sample.title, onclick: () => openSample(sample) }),
      el('p', { class: 'muted', text: sample.preview || sample.author })))
    : [el('li', { class: 'muted', text: 'Samples could not be loaded.' })]));
}
