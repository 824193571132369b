// Small DOM helpers: elements from a tag, attributes and children; formatting of API values.

// h('a', {href: '#/', class: 'x', onclick: f}, 'text', child...): an element. Attributes named
// on* become listeners; `false`, null and undefined attributes and children are left out.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === false || child == null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// The last part of a resource name: "projects/p/locations/l/queues/q" -> "q".
export const shortName = (name) => name.slice(name.lastIndexOf('/') + 1);

// Links inside the dashboard: names go into the fragment percent-encoded whole.
export const queueHref = (name) => `#/queue/${encodeURIComponent(name)}`;
export const taskHref = (name) => `#/task/${encodeURIComponent(name)}`;

// "2026-12-02T08:00:00.123456Z" -> "2026-12-02 08:00:00.123" (UTC, as the API gives it).
export function formatTime(ts) {
  if (!ts) return '—';
  return ts.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1').replace(/Z$/, '');
}

// "1.250s" -> "1.25 s"; "3600s" -> "1 h".
export function formatDuration(d) {
  if (d == null) return '—';
  const s = Number(String(d).replace(/s$/, ''));
  if (!Number.isFinite(s)) return String(d);
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  if (s < 1 && s > 0) return `${Math.round(s * 1000 * 10) / 10} ms`;
  return `${Math.round(s * 1000) / 1000} s`;
}

export const formatNumber = (n) => (n == null ? '—' : Number(n).toLocaleString('en-US'));

// A status line for the result of an action, announced to screen readers (role=status).
export function notice(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle('error', isError);
}
