// Roles: weight, dominant share, guarantee and limit, the highest priority each may ask at, what each holds, and what waits and why.
import {h, fill, bigTable} from './dom.js';
import {watch} from './api.js';
import {cpus, mib, pct, ago} from './format.js';

function amounts(a) {
  if (!a) return '—';
  const parts = [];
  if (a.cpus) parts.push(`${a.cpus} cpus`);
  if (a.memory) parts.push(`${a.memory} memory`);
  if (a.disk) parts.push(`${a.disk} disk`);
  if (a.gpus) parts.push(`${a.gpus} GPUs`);
  for (const [k, v] of Object.entries(a.scalars || {})) parts.push(`${v} ${k}`);
  return parts.length ? parts.join(', ') : '—';
}

function ask(r) {
  const q = r.request || {};
  return [q.count && q.count > 1 ? `${q.count} × ` : '', `${q.cpus || 0} cpus, ${q.memory || '0'}`, q.gpus ? `, ${q.gpus} GPUs` : '',
    q.gpuModel ? ` (${q.gpuModel})` : '', `, priority ${q.priority ?? 50}`, q.preemptible ? ', preemptible' : ''].join('');
}

export function rolesView(main, params, {signal, problem}) {
  const roles = bigTable(['Role', 'Weight', 'Dominant share', 'Holds', 'Guarantee', 'Limit', 'Max priority', 'Pending'], r =>
    h('tr', {'data-role': r.name},
      h('td', {}, r.name), h('td', {}, r.weight), h('td', {}, pct(r.dominantShare)),
      h('td', {}, `${cpus(r.allocated.cpuMillis)} cpus, ${mib(r.allocated.memoryMib)}`),
      h('td', {}, amounts(r.guarantee)), h('td', {}, amounts(r.limit)), h('td', {class: 'max-priority'}, r.maxPriority), h('td', {}, r.pendingRequests)),
  r => r.name, {placeholder: 'Filter roles', id: 'roles'});
  const pending = bigTable(['Request', 'Role', 'Asks', 'Placed', 'Why it waits', 'Since'], r =>
    h('tr', {'data-request': r.id},
      h('td', {class: 'mono'}, r.id, r.request && r.request.name ? h('div', {class: 'muted'}, r.request.name) : null),
      h('td', {}, r.role), h('td', {}, ask(r)), h('td', {}, `${r.placed} / ${(r.request && r.request.count) || 1}`),
      h('td', {class: 'why'}, r.why ? r.why.summary : h('span', {class: 'muted'}, 'not tried yet')),
      h('td', {class: 'muted'}, ago(r.createdAt))),
  r => `${r.id} ${r.role} ${r.why ? r.why.summary : ''}`, {placeholder: 'Filter pending requests (role, reason)', id: 'pending'});
  fill(main, h('h1', {}, 'Roles'), roles, h('h2', {}, 'Pending requests'), pending);
  watch('/v1/roles', list => roles.update(list.sort((a, b) => b.dominantShare - a.dominantShare || a.name.localeCompare(b.name))), signal, problem);
  watch('/v1/requests?state=pending', list => pending.update(list), signal, problem);
}
