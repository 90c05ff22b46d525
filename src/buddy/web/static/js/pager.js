import { el } from './dom.js';

// Previous / "Page x of y" / Next, for any list response {page, pages}.
export function renderPager(container, { page, pages }, goTo) {
  if (pages <= 1) {
    container.replaceChildren();
    return;
  }
  container.replaceChildren(
    el('button', { type: 'button', text: '← Previous', disabled: page <= 1, onclick: () => goTo(page - 1) }),
    el('span', { class: 'pager-position', text: `Page ${page} of ${pages}` }),
    el('button', { type: 'button', text: 'Next →', disabled: page >= pages, onclick: () => goTo(page + 1) }),
  );
}
