// The Share dialog: make a read-only link to the current conversation (optionally expiring),
// copy it, and revoke links made before. The server keeps only a hash of each link's token,
// so an old link can be revoked here but never shown again.
import { describeFailure } from './answer.js';
import { conversationsApi } from './conversation-api.js';
import { announce, el, formatDateTime } from './dom.js';

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

function linkSummary(share) {
  const expires = share.expires_at ? `expires ${formatDateTime(share.expires_at)}` : 'never expires';
  return `Made ${formatDateTime(share.created_at)} · ${expires} · ${plural(share.message_count, 'message')}`;
}

export function setupShareDialog(current) {
  const dialog = document.getElementById('share-dialog');
  const form = document.getElementById('share-form');
  const expiry = document.getElementById('share-expiry');
  const made = document.getElementById('share-made');
  const url = document.getElementById('share-url');
  const copyStatus = document.getElementById('share-copy-status');
  const problem = document.getElementById('share-error');
  const links = document.getElementById('share-links');
  const linksSummary = document.getElementById('share-links-summary');
  let conversationId = null;

  function fail(error, doing) {
    problem.textContent = `Could not ${doing}. ${describeFailure(error)}`;
    problem.hidden = false;
  }

  function linkView(share) {
    const summary = linkSummary(share);
    return el('li', { class: 'share-link' },
      el('span', { text: summary }),
      el('button', {
        type: 'button',
        class: 'danger',
        text: 'Revoke',
        'aria-label': `Revoke the link: ${summary}`,
        onclick: () => revoke(share),
      }));
  }

  async function loadLinks() {
    try {
      const { items } = await conversationsApi.shares(conversationId);
      links.replaceChildren(...items.map(linkView));
      linksSummary.textContent = items.length ? '' : 'None yet.';
    } catch (error) {
      fail(error, 'list the links');
    }
  }

  async function revoke(share) {
    problem.hidden = true;
    try {
      await conversationsApi.revoke(conversationId, share.id);
    } catch (error) {
      if (error?.status !== 404) { // already gone is what was wanted
        fail(error, 'revoke the link');
        return;
      }
    }
    announce('The link was revoked; it no longer opens the conversation.');
    await loadLinks();
    (links.querySelector('button') ?? expiry).focus();
  }

  async function copyLink() {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url.value);
      copyStatus.textContent = 'Copied the link to the clipboard.';
    } catch {
      // Refused (no permission, plain http): leave the link selected for the keyboard instead.
      url.focus();
      url.select();
      copyStatus.textContent = 'This browser did not allow copying. The link is selected: ' +
        'press Ctrl+C (⌘C on a Mac) to copy it.';
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const share = await conversationsApi.share(conversationId, Number(expiry.value) || null);
      url.value = new URL(share.url, window.location.origin).href;
      copyStatus.textContent = `The link shows the ${plural(share.message_count, 'message')} so far.`;
      made.hidden = false;
      url.focus();
      url.select();
      announce('Share link made.');
      await loadLinks();
    } catch (error) {
      fail(error, 'make a link');
    } finally {
      submit.disabled = false;
    }
  });
  document.getElementById('share-copy').addEventListener('click', copyLink);
  document.getElementById('share-open').addEventListener('click', () => {
    if (!current.id) return;
    conversationId = current.id;
    made.hidden = true;
    problem.hidden = true;
    url.value = '';
    copyStatus.textContent = '';
    links.replaceChildren();
    linksSummary.textContent = 'Loading…';
    dialog.showModal();
    loadLinks();
  });
}
