import { debounce, el } from './dom.js';

// Previous / "Page x of y" / Next, for any list response {page, pages}.
function renderPager(container, { page, pages }, goTo) {
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

// A searchable, paged list (samples, news). `fetchPage(state)` asks the API, `render(result)`
// makes the items and `onResult(result, state)` returns the summary line. The newest request wins.
export function pagedList({ ids, noun, fetchPage, render, onResult, focusSelector }) {
  const [list, summary, pager, search] = ids.map((id) => document.getElementById(id));
  const state = { page: 1, search: '' };
  let request = 0;
  let loaded = false;

  async function load() {
    const mine = ++request;
    list.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await fetchPage(state);
    } catch (error) {
      summary.textContent = `${noun} could not be loaded: ${error.message}`;
      return;
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
    if (mine !== request) return; // a newer search already answered
    list.replaceChildren(...render(result));
    summary.textContent = onResult(result, state);
    renderPager(pager, result, (page) => {
      state.page = page;
      // Keyboard users land on the first item of the new page.
      load().then(() => list.querySelector(focusSelector)?.focus());
    });
  }

  function restart() {
    state.page = 1;
    return load();
  }

  search.addEventListener('input', debounce(() => {
    state.search = search.value.trim();
    restart();
  }, 300));

  return {
    restart,
    async showOnce(prepare = async () => {}) {
      if (loaded) return;
      loaded = true;
      await prepare();
      await load();
    },
  };
}
