// Elements are built here and nowhere else, and text always goes in as text (textContent):
// names, messages and reasons come from users and must never become markup.

/** h('td', {class: 'x', onclick: f}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v; // through the CSSOM: the Content-Security-Policy refuses style attributes in markup
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces what {@code el} holds with {@code children}. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An SVG element (charts). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * A table of many rows that stays quick: a filter box and pages of {@code pageSize} rows, so a
 * thousand agents draw two hundred rows at a time. {@code row(item)} makes a <tr>; {@code text(item)}
 * is what the filter searches. Call update(items) whenever the data changes: filter and page are kept.
 */
export function bigTable(headers, row, text, {pageSize = 200, placeholder = 'Filter', id} = {}) {
  let items = [];
  let page = 0;
  const input = h('input', {type: 'search', placeholder, 'aria-label': placeholder, oninput: () => { page = 0; draw(); }});
  const body = h('tbody');
  const pager = h('div', {class: 'pager'});
  const root = h('div', {id}, h('div', {class: 'toolbar'}, input), h('table', {}, h('thead', {}, h('tr', {}, headers.map(x => h('th', {}, x)))), body), pager);
  function draw() {
    const q = input.value.trim().toLowerCase();
    const shown = q ? items.filter(i => text(i).toLowerCase().includes(q)) : items;
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.min(page, pages - 1);
    fill(body, shown.slice(page * pageSize, (page + 1) * pageSize).map(row));
    if (shown.length === 0) body.appendChild(h('tr', {}, h('td', {colspan: headers.length, class: 'muted'}, q ? 'Nothing matches.' : 'None.')));
    fill(pager, `${shown.length} of ${items.length}`,
      pages > 1 ? [h('button', {type: 'button', disabled: page === 0, onclick: () => { page--; draw(); }}, '‹ Previous'),
        `page ${page + 1} of ${pages}`,
        h('button', {type: 'button', disabled: page >= pages - 1, onclick: () => { page++; draw(); }}, 'Next ›')] : null);
  }
  root.update = (next) => { items = next; draw(); };
  return root;
}
