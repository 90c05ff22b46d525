import { postJson } from './api.js';
import { announce, el } from './dom.js';
import { track } from './telemetry.js';

const MAX_COMMENT_CHARS = 2000;
const SVG = 'http://www.w3.org/2000/svg';
// A thumb drawn as SVG: emoji fonts are missing on many Linux desktops.
const THUMB = 'M2 10h4v11H2zM8 10l4-8c1.7 0 3 1.3 3 3v4h5.5c1.1 0 2 1 1.8 2.1l-1.6 8.3c-.2 1-1 1.6-2 1.6H8z';

function thumb(down) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', THUMB);
  if (down) path.setAttribute('transform', 'rotate(180 12 12)');
  svg.append(path);
  return svg;
}

// Thumbs up or down on one finished answer, tied to the answer's span_id. One vote per answer:
// once the server stored it, the buttons stay pressed and disabled. `vote` is one given before
// (a stored conversation's answer), shown the same way.
export function feedbackControls(spanId, vote = null) {
  const up = el('button', { type: 'button', class: 'vote', 'aria-label': 'Helpful', 'aria-pressed': 'false' }, thumb(false));
  const down = el('button', { type: 'button', class: 'vote', 'aria-label': 'Not helpful', 'aria-pressed': 'false' }, thumb(true));
  const comment = el('textarea', { id: `comment-${spanId}`, rows: 2, maxlength: MAX_COMMENT_CHARS, placeholder: 'Wrong package, outdated API, missing step…' });
  const form = el(
    'form',
    { class: 'feedback-comment', hidden: true },
    el('label', { for: comment.id, text: 'What was wrong? (optional)' }),
    comment,
    el('div', { class: 'feedback-actions' },
      el('button', { type: 'submit', class: 'primary', text: 'Send feedback' }),
      el('button', { type: 'button', text: 'Cancel', onclick: () => { form.hidden = true; down.focus(); } })),
  );
  const status = el('p', { class: 'feedback-status', role: 'status' });
  const box = el('div', { class: 'feedback', 'data-span-id': spanId },
    el('div', { class: 'votes', role: 'group', 'aria-label': 'Rate this answer' },
      el('span', { class: 'muted', text: 'Was this helpful?' }), up, down),
    form, status);

  async function send(feedbackType, text) {
    up.disabled = down.disabled = true;
    status.textContent = 'Sending…';
    try {
      await postJson('/api/feedback', {
        span_id: spanId,
        feedback_type: feedbackType,
        comment: text || null,
      });
    } catch (error) {
      up.disabled = down.disabled = false;
      status.textContent = `Could not send the feedback: ${error.message}`;
      return;
    }
    (feedbackType === 'thumbs_up' ? up : down).setAttribute('aria-pressed', 'true');
    form.hidden = true;
    status.textContent = 'Thanks, your feedback was recorded.';
    announce('Thanks, your feedback was recorded.');
    track('feedback_given', { feedback_type: feedbackType, with_comment: Boolean(text) });
  }

  if (vote === 'thumbs_up' || vote === 'thumbs_down') {
    up.disabled = down.disabled = true;
    (vote === 'thumbs_up' ? up : down).setAttribute('aria-pressed', 'true');
  }
  up.addEventListener('click', () => send('thumbs_up', ''));
  down.addEventListener('click', () => {
    form.hidden = false;
    comment.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send('thumbs_down', comment.value.trim());
  });
  return box;
}
