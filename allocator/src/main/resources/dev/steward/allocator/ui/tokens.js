// Tokens (the admin's): every token the allocator issued, by id, never its value; whom it acts for, when it ends,
// when and from where it was last used, and what a join token joined; expired, rotated and never-used ones marked.
import {h, fill, bigTable} from './dom.js';
import {watch} from './api.js';
import {ago} from './format.js';

function forWhom(t) {
  if (t.kind !== 'join') return t.subject;
  return t.usesLeft === undefined ? 'any agents' : t.usesLeft === 0 ? 'used up' : `${t.usesLeft} more agent${t.usesLeft === 1 ? '' : 's'}`;
}

function ended(t) {
  return t.expiresAt !== undefined && Date.parse(t.expiresAt) <= Date.now();
}

function expires(t) {
  if (t.expiresAt === undefined) return h('span', {class: 'muted'}, 'never');
  return h('span', {title: t.expiresAt}, ago(t.expiresAt), ended(t) ? h('span', {class: 'badge bad'}, 'expired') : null);
}

function lastUsed(t) {
  if (!t.lastUsedAt) return h('span', {class: 'muted'}, 'never');
  return h('span', {title: t.lastUsedAt}, ago(t.lastUsedAt), t.lastUsedFrom ? h('div', {class: 'muted mono'}, 'from ' + t.lastUsedFrom) : null);
}

function notes(t) {
  return [t.description || '',
    t.replacedBy ? h('span', {class: 'badge warn', title: `a rotation replaced it with token ${t.replacedBy}`}, 'rotated: ' + t.replacedBy) : null,
    (t.joined || []).length ? h('div', {class: 'muted'}, 'joined ' + t.joined.map(j => j.name + (j.from ? ' from ' + j.from : '')).join(', ')) : null];
}

export function tokensView(main, params, {signal, problem}) {
  const table = bigTable(['Id', 'Kind', 'For', 'Created', 'Expires', 'Last used', 'Description'], t =>
    h('tr', {'data-token': t.id, class: ended(t) ? 'lost' : ''},
      h('td', {class: 'mono'}, t.id), h('td', {}, t.kind), h('td', {}, forWhom(t)),
      h('td', {class: 'muted', title: t.createdAt}, ago(t.createdAt)), h('td', {}, expires(t)), h('td', {}, lastUsed(t)), h('td', {}, notes(t))),
  t => `${t.id} ${t.kind} ${t.subject} ${t.description || ''} ${ended(t) ? 'expired' : ''} ${t.replacedBy ? 'rotated' : ''} ${t.lastUsedAt ? '' : 'never used'}`,
  {placeholder: 'Filter tokens (id, role, description, expired, rotated, never used)', id: 'tokens'});
  fill(main, h('h1', {}, 'Tokens'),
    h('p', {class: 'muted'}, 'Mint, rotate and revoke them with steward tokens; a token\'s value is shown only when it is made.'), table);
  watch('/v1/tokens', list => table.update(list), signal, problem);
}
