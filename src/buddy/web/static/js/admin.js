// The operator's insights page: totals, two small charts, the question groups and the pages
// behind thumbs-down answers, from GET /api/admin/insights. In production it needs an admin
// key, asked for once and kept like the chat key.
import { ApiError } from './api.js';
import { copyButton, el } from './dom.js';
import { captureMagicKey } from './key.js';
import { prefs } from './store.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHART = { width: 640, height: 160, pad: 24 };

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

async function fetchInsights(days) {
  const headers = { Accept: 'application/json' };
  const key = prefs.magicKey();
  if (key) headers['X-Magic-Key'] = key;
  const response = await fetch(`/api/admin/insights?days=${encodeURIComponent(days)}`, { headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, body?.code ?? `http_${response.status}`,
      body?.detail ?? `The server answered HTTP ${response.status}.`);
  }
  return body;
}

// Bars of questions a day, the unanswered part of each bar drawn over it.
function dailyChart(days) {
  const { width, height, pad } = CHART;
  const most = Math.max(1, ...days.map((day) => day.questions));
  const step = (width - pad) / Math.max(1, days.length);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Questions a day over ${days.length} days, at most ${most} in a day` });
  days.forEach((day, index) => {
    const x = pad + index * step;
    const barHeight = ((height - pad) * day.questions) / most;
    const missed = ((height - pad) * day.unanswered) / most;
    const bar = svg('rect', { x, y: height - pad - barHeight, width: Math.max(1, step - 2), height: barHeight, class: 'bar' });
    bar.append(svg('title'));
    bar.firstChild.textContent = `${day.date}: ${day.questions} questions, ${day.unanswered} unanswered`;
    chart.append(bar, svg('rect', { x, y: height - pad - missed, width: Math.max(1, step - 2), height: missed, class: 'bar-missed' }));
  });
  const label = svg('text', { x: 0, y: 12, class: 'axis' });
  label.textContent = String(most);
  chart.append(label, svg('line', { x1: pad, y1: height - pad, x2: width, y2: height - pad, class: 'axis-line' }));
  return chart;
}

// The share of thumbs up on each day that had votes, as a line from 0 % to 100 %.
function ratioChart(days) {
  const { width, height, pad } = CHART;
  const step = (width - pad) / Math.max(1, days.length - 1);
  const points = days
    .map((day, index) => ({ day, index, votes: day.up + day.down }))
    .filter((point) => point.votes > 0)
    .map(({ day, index, votes }) => [pad + index * step, (height - pad) * (1 - day.up / votes)]);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': points.length ? `Share of thumbs up on ${points.length} days with votes` : 'No votes in this period' });
  chart.append(svg('line', { x1: pad, y1: height - pad, x2: width, y2: height - pad, class: 'axis-line' }));
  for (const [text, y] of [['100%', 12], ['0%', height - pad]]) {
    const label = svg('text', { x: 0, y, class: 'axis' });
    label.textContent = text;
    chart.append(label);
  }
  if (points.length) {
    chart.append(svg('polyline', { points: points.map((p) => p.join(',')).join(' '), class: 'line' }));
    for (const [x, y] of points) chart.append(svg('circle', { cx: x, cy: y, r: 3, class: 'dot' }));
  }
  return chart;
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'question';
}

// One answer-eval case (the JSON Lines format of `buddy eval answers`) for a question group.
function caseLine(group, unanswered) {
  const wordings = group.examples.filter((text) => text !== group.question);
  const rubric = [
    unanswered
      ? `People asked this ${group.count} times and the knowledge base had nothing to cite; a good answer cites the page that now covers it.`
      : `People asked this ${group.count} times; a good answer is correct, cites its sources and shows C# where code helps.`,
    wordings.length ? `Other wordings: ${wordings.join(' | ')}` : '',
  ].filter(Boolean).join(' ');
  return JSON.stringify({ id: `asked-${slug(group.question)}`, question: group.question, rubric, expect: {} });
}

function groupItem(group, unanswered) {
  const others = group.examples.filter((text) => text !== group.question);
  return el('li', { class: 'group' },
    el('p', {}, el('strong', { class: 'group-count', text: `${group.count}×` }), ' ', el('span', { text: group.question })),
    others.length ? el('p', { class: 'muted', text: `Also asked as: ${others.join(' · ')}` }) : null,
    copyButton(() => caseLine(group, unanswered), { label: 'Copy as eval case', describedAs: 'the eval case' }));
}

// Only web addresses become links; a stored path or anything else stays text.
function sourceLink(url) {
  return /^https?:\/\//i.test(url) ? el('a', { href: url, rel: 'noopener', text: url }) : el('span', { text: url });
}

function fill(list, items, empty) {
  list.replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: empty })]));
}

function render(data) {
  const votes = data.feedback.up + data.feedback.down;
  const values = {
    questions: data.questions,
    answered: data.answered,
    unanswered: data.unanswered,
    errors: data.errors,
    votes: votes ? `${data.feedback.up} up / ${data.feedback.down} down` : '0',
    latency: data.latency.p50_s === null ? '–' : `${data.latency.p50_s.toFixed(2)} s / ${data.latency.p95_s.toFixed(2)} s`,
  };
  for (const node of document.querySelectorAll('[data-counter]')) node.textContent = String(values[node.dataset.counter]);
  document.getElementById('chart-daily').replaceChildren(dailyChart(data.daily));
  document.getElementById('chart-ratio').replaceChildren(ratioChart(data.daily));
  fill(document.getElementById('list-unanswered'), data.unanswered_questions.map((g) => groupItem(g, true)), 'Every question found something to cite.');
  fill(document.getElementById('list-top'), data.top_questions.map((g) => groupItem(g, false)), 'No questions in this period.');
  fill(document.getElementById('list-sources'),
    data.downvoted_sources.map((s) => el('li', {}, el('strong', { text: `${s.count}× ` }), sourceLink(s.url))),
    'No thumbs-down answers cited a page.');
  const tools = Object.entries(data.tools).map(([name, count]) => `${name} ${count}`).join(', ');
  document.getElementById('usage-tools').textContent = `Tool calls: ${tools || 'none'}.`;
  const hours = data.peak_hours.map((h) => `${String(h.hour).padStart(2, '0')}:00 UTC (${h.questions})`).join(', ');
  document.getElementById('usage-hours').textContent = `Busiest hours: ${hours || 'none yet'}.`;
}

function askForKey(reason) {
  const form = document.getElementById('admin-key');
  document.getElementById('admin-key-reason').textContent = reason;
  form.hidden = false;
  document.getElementById('admin-body').hidden = true;
  document.getElementById('admin-key-input').focus();
}

async function load() {
  const error = document.getElementById('admin-error');
  error.hidden = true;
  try {
    const data = await fetchInsights(document.getElementById('admin-days').value);
    document.getElementById('admin-key').hidden = true;
    render(data);
    document.getElementById('admin-body').hidden = false;
  } catch (problem) {
    if (problem instanceof ApiError && problem.status === 401) {
      askForKey('This page needs an admin key (made with `buddy keys create --admin`).');
    } else if (problem instanceof ApiError && problem.status === 403) {
      askForKey(`${problem.message} Enter an admin key.`);
    } else {
      error.textContent = problem.message || 'The insights could not be loaded.';
      error.hidden = false;
    }
  }
}

captureMagicKey();
document.getElementById('admin-days').addEventListener('change', load);
document.getElementById('admin-key').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = document.getElementById('admin-key-input').value.trim();
  if (!key) return;
  prefs.setMagicKey(key);
  document.getElementById('admin-key-input').value = '';
  load();
});
load();
