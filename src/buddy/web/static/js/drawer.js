// A side panel that is always shown on wide screens and slides in as a drawer on narrow ones.
// The drawer behaves like a modal: focus moves in and stays in, Escape or the backdrop closes
// it, and focus goes back to the button that opened it.
import { trapFocus } from './dom.js';

export const NARROW = window.matchMedia('(max-width: 899px)');

export function setupDrawer({ panel, opener, closer, backdrop, firstFocus }) {
  const isOpen = () => panel.classList.contains('is-open');

  function open() {
    panel.classList.add('is-open');
    document.body.classList.add('drawer-shown');
    backdrop.hidden = false;
    opener.setAttribute('aria-expanded', 'true');
    (firstFocus() ?? closer).focus();
  }

  function close({ restoreFocus = true } = {}) {
    if (!isOpen()) return;
    panel.classList.remove('is-open');
    document.body.classList.remove('drawer-shown');
    backdrop.hidden = true;
    opener.setAttribute('aria-expanded', 'false');
    if (restoreFocus) opener.focus();
  }

  opener.addEventListener('click', () => (isOpen() ? close() : open()));
  closer.addEventListener('click', () => close());
  backdrop.addEventListener('click', () => close());
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !isOpen() || event.defaultPrevented) return;
    event.preventDefault();
    event.stopPropagation(); // not also a Stop for the answer being written
    close();
  });
  trapFocus(panel, isOpen);
  // Turned to landscape (or a window widened): the panel is no drawer any more.
  NARROW.addEventListener('change', () => close({ restoreFocus: false }));
  return { open, close, isOpen };
}
