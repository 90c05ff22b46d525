// The list of saved conversations: open one to read and continue it, start a new one, rename,
// delete, search by title. A side panel on wide screens, a drawer on phones (drawer.js).
import { describeFailure } from './answer.js';
import { conversationsApi } from './conversation-api.js';
import { announce, debounce, el, formatDate, icon } from './dom.js';
import { NARROW, setupDrawer } from './drawer.js';

const SEARCH_DELAY_MS = 300;
const PENCIL = 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4';
const BIN = 'M4 7h16M10 7V4h4v3M6 7l1 13h10l1-13M10 11v6M14 11v6';

const titleOf = (conversation) => conversation.title || 'Untitled conversation';
const isGone = (error) => error?.status === 404 || error?.status === 422;

function metaOf(conversation) {
  const count = conversation.message_count;
  return `${formatDate(conversation.updated_at)} · ${count} message${count === 1 ? '' : 's'}`;
}

export function setupConversations(current, chat) {
  const panel = document.getElementById('conversations');
  const list = document.getElementById('conversation-list');
  const search = document.getElementById('conversation-search');
  const summary = document.getElementById('conversations-summary');
  const more = document.getElementById('conversations-more');
  const heading = document.getElementById('conversation-heading');
  const question = document.getElementById('question');
  const deleteDialog = document.getElementById('delete-dialog');
  const drawer = setupDrawer({
    panel,
    opener: document.getElementById('conversations-open'),
    closer: document.getElementById('conversations-close'),
    backdrop: document.getElementById('conversations-backdrop'),
    firstFocus: () => list.querySelector('[aria-current="true"]') ?? search,
  });
  let items = [];
  let page = 1;
  let loads = 0; // the newest list request wins; an older one arriving late is dropped

  function showHeading() {
    const known = items.find((item) => item.id === current.id);
    if (known) current.title = known.title;
    heading.hidden = !current.id;
    heading.textContent = current.id ? current.title || 'New conversation' : '';
    document.getElementById('share-open').hidden = !current.id;
  }

  function itemView(conversation) {
    const metaId = `conversation-meta-${conversation.id}`;
    const title = titleOf(conversation);
    const open = el('button', {
      type: 'button',
      class: 'conversation-open',
      'aria-label': title,
      'aria-describedby': metaId,
      'aria-current': conversation.id === current.id ? 'true' : null,
      onclick: () => choose(conversation.id),
    }, el('span', { class: 'conversation-title', text: title }),
    el('span', { class: 'conversation-meta', id: metaId, text: metaOf(conversation) }));
    const item = el('li', { class: 'conversation-item', 'data-id': conversation.id }, open,
      el('button', { type: 'button', class: 'icon-button', 'aria-label': `Rename ${title}`, title: 'Rename', onclick: () => startRename(item, conversation) }, icon(PENCIL)),
      el('button', { type: 'button', class: 'icon-button', 'aria-label': `Delete ${title}`, title: 'Delete', onclick: () => confirmDelete(conversation) }, icon(BIN)));
    return item;
  }

  function render(total) {
    list.replaceChildren(...items.map(itemView));
    const words = search.value.trim();
    if (!items.length) {
      summary.textContent = words ? `No conversation titles match “${words}”.`
        : 'No conversations yet. Your questions and their answers will be kept here.';
    } else {
      summary.textContent = words ? `${total} found` : '';
    }
    more.hidden = items.length >= total;
    showHeading();
  }

  function failed(error) {
    summary.textContent = `Conversations could not be loaded. ${describeFailure(error)}`;
  }

  async function load(nextPage) {
    const mine = ++loads;
    try {
      const result = await conversationsApi.list({ page: nextPage, search: search.value.trim() });
      if (mine !== loads) return;
      items = nextPage === 1 ? result.items : [...items, ...result.items];
      page = nextPage;
      render(result.total);
    } catch (error) {
      if (mine === loads) failed(error);
    }
  }

  const refresh = () => load(1);

  async function choose(id) {
    const wasDrawer = drawer.isOpen();
    drawer.close({ restoreFocus: false });
    if (id !== current.id || !document.querySelector('#conversation > article')) {
      try {
        const conversation = await conversationsApi.get(id);
        current.set(conversation);
        await chat.show(conversation.messages);
        announce(`Opened ${titleOf(conversation)}.`);
      } catch (error) {
        if (isGone(error)) refresh();
        summary.textContent = isGone(error) ? 'That conversation no longer exists.' : describeFailure(error);
        if (wasDrawer) drawer.open();
        return;
      }
    }
    // On a phone the keyboard would cover what was just opened: land on its title instead.
    (NARROW.matches ? heading : question).focus();
  }

  function startRename(item, conversation) {
    const input = el('input', { type: 'text', maxlength: 200, required: true, 'aria-label': 'New title' });
    input.value = conversation.title;
    const shown = [...item.childNodes];
    const cancel = () => {
      item.replaceChildren(...shown);
      item.querySelector('.icon-button').focus();
    };
    const form = el('form', { class: 'conversation-rename' }, input,
      el('button', { type: 'submit', class: 'primary', text: 'Save' }),
      el('button', { type: 'button', text: 'Cancel', onclick: cancel }));
    form.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault(); // Escape ends the renaming, not the drawer
      cancel();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const title = input.value.trim();
      if (!title) return;
      try {
        await conversationsApi.rename(conversation.id, title);
      } catch (error) {
        input.setCustomValidity(describeFailure(error));
        input.reportValidity();
        input.setCustomValidity('');
        return;
      }
      announce(`Renamed to ${title}.`);
      await refresh();
      list.querySelector(`[data-id="${CSS.escape(conversation.id)}"] .conversation-open`)?.focus();
    });
    item.replaceChildren(form);
    input.select();
  }

  function confirmDelete(conversation) {
    document.getElementById('delete-name').textContent = titleOf(conversation);
    deleteDialog.returnValue = '';
    deleteDialog.onclose = async () => {
      if (deleteDialog.returnValue !== 'delete') return;
      try {
        await conversationsApi.remove(conversation.id);
      } catch (error) {
        if (!isGone(error)) {
          summary.textContent = `Could not delete it. ${describeFailure(error)}`;
          return;
        }
      }
      if (conversation.id === current.id) chat.newChat();
      announce('Conversation deleted.');
      await refresh();
      search.focus();
    };
    deleteDialog.showModal();
  }

  // The conversation kept from the last visit: shown again, or quietly forgotten if it is gone.
  async function restore() {
    if (!current.id) return;
    const choices = current.choices;
    try {
      const conversation = await conversationsApi.get(current.id);
      if (choices !== current.choices) return; // the visitor moved on meanwhile
      current.set(conversation);
      await chat.show(conversation.messages);
    } catch (error) {
      if (isGone(error) && choices === current.choices) current.clear();
    }
  }

  document.getElementById('conversation-new').addEventListener('click', () => {
    drawer.close({ restoreFocus: false });
    chat.newChat();
  });
  search.addEventListener('input', debounce(refresh, SEARCH_DELAY_MS));
  more.addEventListener('click', () => load(page + 1));
  current.addEventListener('change', () => {
    for (const button of list.querySelectorAll('.conversation-open')) {
      const chosen = button.closest('li').dataset.id === current.id;
      if (chosen) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
    showHeading();
  });
  current.addEventListener('answered', refresh);
  restore();
  refresh();
}
