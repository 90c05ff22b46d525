// Small DOM helpers. Every node is built with createElement and textContent, so text from the
// server can never turn into markup; only markdown.js inserts HTML, after sanitising it.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
}

export function debounce(fn, milliseconds) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), milliseconds);
  };
}

// The one polite live region: short confirmations for screen-reader users.
export function announce(message) {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = '';
  // A fresh text node after a tick makes repeated identical messages be read again.
  setTimeout(() => {
    status.textContent = message;
  }, 30);
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on another host: the async clipboard API is missing there.
  const area = el('textarea', { class: 'offscreen', readonly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

// A button that copies what `text()` returns and says so, on the button and to screen readers.
export function copyButton(text, { label = 'Copy', describedAs = 'text', onCopied } = {}) {
  const button = el('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${describedAs}` });
  button.textContent = label;
  button.addEventListener('click', async () => {
    try {
      await copyText(text());
      button.textContent = 'Copied';
      announce(`Copied ${describedAs} to the clipboard.`);
      onCopied?.();
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => {
      button.textContent = label;
    }, 1600);
  });
  return button;
}

export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// A small line drawing (stroked, in the text colour) for an icon-only button.
export function icon(pathData) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', pathData);
  svg.append(path);
  return svg;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// A modal <dialog> makes the page behind it inert, but Tab still leaves it for the browser's
// own toolbar; wrap around inside the dialog instead. `active` says when the trap applies (a
// drawer traps focus only while it is open).
export function trapFocus(dialog, active = () => true) {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || !active()) return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((node) => node.getClientRects().length);
    if (!items.length) return;
    const [first, last] = [items[0], items.at(-1)];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
}
