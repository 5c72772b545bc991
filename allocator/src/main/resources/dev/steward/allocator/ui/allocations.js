// Allocations: what each role holds where (live ones, or ended ones too), and one allocation with
// its lease, history and tasks, each task's output a click away; releasing one takes two clicks.
import {h, fill, bigTable} from './dom.js';
import {api, watch} from './api.js';
import {cpus, mib, ago, time, lower} from './format.js';
import {allocationLink, outputLinks} from './links.js';

/** What an allocation holds: cpus, memory, disk, GPUs (with their devices) and other resources. */
function holds(a) {
  const r = a.resources || {};
  const parts = [`${cpus(r.cpuMillis)} cpus`, mib(r.memoryMib)];
  if (r.diskMib) parts.push(`${mib(r.diskMib)} disk`);
  if (r.gpuMillis) parts.push(`${cpus(r.gpuMillis)} GPUs` + ((a.gpuIndexes || []).length ? ` (${a.gpuIndexes.join(', ')})` : ''));
  for (const [k, v] of Object.entries(r.scalars || {})) parts.push(`${v} ${k}`);
  return parts.join(', ');
}

function ports(a) {
  return Object.entries(a.ports || {}).map(([k, v]) => `${k}:${v}`).join(' ');
}

/** When the lease ends: 'in 4m', or what ended it. */
function lease(a) {
  if (['ALLOCATED', 'LEAVING'].includes(a.state)) return a.expiresAt ? 'ends ' + ago(a.expiresAt) : '';
  return lower(a.state);
}

function state(s) {
  return h('span', {class: 'state-' + lower(s)}, lower(s));
}

const LIVE = ['ALLOCATED', 'LEAVING'];

export function allocationsView(main, params, {signal, problem}) {
  const table = bigTable(['Allocation', 'Role', 'Agent', 'Holds', 'Ports', 'Priority', 'State', 'Lease', 'Since'], a =>
    h('tr', {'data-allocation': a.id, 'data-state': lower(a.state)},
      h('td', {}, h('a', {href: allocationLink(a.id), class: 'mono'}, a.id), a.name ? h('div', {class: 'muted'}, a.name) : null),
      h('td', {}, a.role),
      h('td', {}, a.agentName || a.agentId, a.host ? h('div', {class: 'muted mono'}, a.host) : null),
      h('td', {}, holds(a)),
      h('td', {class: 'mono'}, ports(a)),
      h('td', {}, String(a.priority), a.preemptible ? h('span', {class: 'badge warn', title: 'a request of a higher priority may take its room'}, 'preemptible') : null),
      h('td', {}, state(a.state)),
      h('td', {class: 'muted'}, lease(a)),
      h('td', {class: 'muted'}, ago(a.createdAt))),
  a => `${a.id} ${a.name || ''} ${a.role} ${a.agentName || ''} ${a.agentId} ${lower(a.state)} ${a.preemptible ? 'preemptible' : ''}`,
  {placeholder: 'Filter allocations (name, role, agent, state, preemptible)', id: 'allocations'});
  let all = [];
  const ended = h('input', {type: 'checkbox', id: 'show-ended', onchange: () => draw()});
  function draw() {
    table.update(all.filter(a => ended.checked || LIVE.includes(a.state))
      .sort((x, y) => LIVE.includes(y.state) - LIVE.includes(x.state) || String(y.createdAt).localeCompare(String(x.createdAt))));
  }
  fill(main, h('h1', {}, 'Allocations'),
    h('p', {class: 'muted'}, 'What each role holds, and where: requests placed by steward allocate, the allocate step, build executors, and services\' instances.'),
    h('label', {}, ended, ' Show ended allocations too (released, expired, preempted, lost)'), table);
  watch('/v1/allocations', list => { all = list; draw(); }, signal, problem);
}

/** Release, in two clicks: the first shows what the second does. */
function releaseButtons(a, problem) {
  const confirm = h('button', {type: 'button', id: 'release-confirm', class: 'danger', hidden: true, onclick: async () => {
    confirm.disabled = true;
    try {
      await api(`/v1/allocations/${encodeURIComponent(a.id)}/release`, {method: 'POST', body: {}});
    } catch (e) { problem(e); }
  }}, `Release ${a.id}: stop its tasks and give its room back`);
  const ask = h('button', {type: 'button', id: 'release', onclick: () => { ask.hidden = true; confirm.hidden = false; }}, 'Release…');
  return [ask, confirm];
}

export function allocationView(main, [id], {signal, problem}) {
  const path = '/v1/allocations/' + encodeURIComponent(id);
  const head = h('div', {id: 'allocation'});
  const actions = h('div', {class: 'actions', id: 'actions'});
  const tasks = h('div', {id: 'tasks'});
  const history = h('div', {class: 'events', id: 'history'});
  fill(main, h('h1', {}, 'Allocation ', h('span', {class: 'mono'}, id)), head, actions, h('h2', {}, 'Tasks'), tasks, h('h2', {}, 'History'), history);
  let live = null;
  watch(path, a => {
    fill(head, h('p', {}, a.name ? `${a.name} · ` : '', `role ${a.role} · `, state(a.state),
      ` · on ${a.agentName || a.agentId}` + (a.host ? ` (${a.host})` : ''), ` · ${holds(a)}`,
      ports(a) ? h('span', {class: 'mono'}, ` · ${ports(a)}`) : '', ` · priority ${a.priority}`, a.preemptible ? ' (preemptible)' : '',
      LIVE.includes(a.state) && a.expiresAt ? ` · lease ends ${time(a.expiresAt)}` : '',
      a.reason ? h('span', {class: 'muted', id: 'allocation-reason'}, ` · ${a.reason}`) : ''),
      (a.preempted || []).length ? h('p', {id: 'preempted'}, 'Placed in the room of: ',
        a.preempted.flatMap((p, i) => [i ? ', ' : '', h('a', {href: allocationLink(p), class: 'mono'}, p)])) : '');
    const isLive = a.state === 'ALLOCATED';
    if (isLive !== live) { // drawn again only when it changes: a click between two renews is not lost
      live = isLive;
      fill(actions, isLive ? releaseButtons(a, problem) : null);
    }
    fill(history, (a.history || []).map(e => h('div', {}, h('span', {class: 'muted'}, time(e.at)), ` ${lower(e.event)}`, e.message ? `: ${e.message}` : '')));
  }, signal, problem);
  watch(path + '/tasks', list => fill(tasks, list.length ? h('table', {id: 'task-list'},
    h('thead', {}, h('tr', {}, ['Task', 'Name', 'State', 'Exit code', 'Restarts', 'Started', 'Output', 'Why'].map(x => h('th', {}, x)))),
    h('tbody', {}, list.map(t => h('tr', {'data-task': t.id, 'data-state': lower(t.state)},
      h('td', {class: 'mono'}, t.id), h('td', {}, (t.spec && t.spec.name) || ''), h('td', {}, state(t.state)),
      h('td', {}, t.exitCode ?? ''), h('td', {}, String(t.restarts || 0)), h('td', {class: 'muted'}, ago(t.startedAt)),
      h('td', {}, outputLinks(t.id)),
      h('td', {class: 'muted'}, t.reason || '')))))
    : h('p', {class: 'muted'}, 'None: nothing has been started in it.')), signal, problem);
}
