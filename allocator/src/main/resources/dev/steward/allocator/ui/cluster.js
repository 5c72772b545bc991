// Cluster: every agent with its capacity and use, lost, draining, nearly-full and certificate-ending ones marked, the totals, and a notice
// when the allocator's own certificate ends within a month.
import {h, fill, bigTable} from './dom.js';
import {watch} from './api.js';
import {cpus, mib, count, ago} from './format.js';

function bar(used, total, text) {
  const f = total > 0 ? Math.min(1, used / total) : 0;
  return h('span', {}, h('span', {class: 'bar' + (f > 0.85 ? ' high' : ''), title: `${Math.round(f * 100)}%`},
    h('span', {style: `width:${(f * 100).toFixed(1)}%`})), text);
}

// As Heartbeat.diskPressure: less free on its data directory's disk than the floor its heartbeat reported (disk-pressure-free).
function diskNearlyFull(a) {
  const u = a.usage || {};
  return u.diskFreeMib !== undefined && u.diskPressureMib > 0 && u.diskFreeMib < u.diskPressureMib;
}

// As Heartbeat.certificateEnding: when the first of the agent's TLS certificates (its own, or a CA it trusts) ends, if within 30 days
// or past; else null.
const MONTH_MS = 30 * 24 * 3600 * 1000;
function certificateEnd(a) {
  const end = (a.usage || {}).tlsNotAfter;
  return end !== undefined && end * 1000 - Date.now() <= MONTH_MS ? new Date(end * 1000) : null;
}

// 'ends at ... (in 12 days)' or 'ended at ...'
function endsWhen(end) {
  const days = Math.floor((end.getTime() - Date.now()) / (24 * 3600 * 1000));
  return end.getTime() <= Date.now() ? `ended at ${end.toISOString()}` : `ends at ${end.toISOString()} (in ${days < 1 ? 'less than a day' : count(days) + (days === 1 ? ' day' : ' days')})`;
}

function certificateBadge(a) {
  const end = certificateEnd(a);
  if (!end) {
    return null;
  }
  const when = endsWhen(end);
  return h('span', {class: 'badge warn', title: `TLS certificate ${when}: renew it ('steward tls cert create') and write it over the old files `
    + '(read again within 10 s, no restart)'}, end.getTime() <= Date.now() ? 'certificate ended' : 'certificate ends soon');
}

// As the status command: the allocator's own TLS certificate (or a CA it trusts), named when it ends within 30 days or has ended.
function allocatorCertificate(st) {
  const end = st.certificateEnds ? new Date(st.certificateEnds) : null;
  if (!end || end.getTime() - Date.now() > MONTH_MS) {
    return null;
  }
  return h('p', {class: 'notice warn', id: 'allocator-certificate'}, `The allocator's TLS certificate ${endsWhen(end)}: renew it `
    + `('steward tls cert create --server') and write it over the old files; it is read again within 10 s, no restart.`);
}

function card(label, value, id) {
  return h('div', {class: 'card', id}, h('div', {class: 'n'}, value), h('div', {class: 'l'}, label));
}

export function clusterView(main, params, {signal, problem}) {
  const cards = h('div', {class: 'cards', id: 'totals'});
  const notices = h('div', {id: 'notices'});
  let gpusByAgent = new Map();
  let agents = [];
  const table = bigTable(['Agent', 'Status', 'CPUs', 'Memory', 'Disk', 'GPUs', 'Attributes', 'Heartbeat'], a => {
    const t = a.total || {};
    const u = a.allocated || {};
    const lost = a.status === 'LOST';
    const used = gpusByAgent.get(a.id) || new Map();
    const devices = [];
    for (let i = 0; i < (a.gpus || 0); i++) {
      devices.push(h('span', {class: 'gpu' + (used.has(i) ? ' used' : ''), title: used.has(i) ? `GPU ${i}: ${used.get(i)}` : `GPU ${i}: free`}, i));
    }
    return h('tr', {class: lost ? 'lost' : a.draining ? 'draining' : '', 'data-agent': a.name},
      h('td', {}, a.name, h('div', {class: 'muted mono'}, a.id)),
      h('td', {class: 'state-' + (lost ? 'lost' : 'ready')}, lost ? 'lost' : 'ready', a.draining ? h('span', {class: 'badge warn'}, 'draining') : null,
        !lost && diskNearlyFull(a) ? h('span', {class: 'badge warn', title: `${mib(a.usage.diskFreeMib)} free, below ${mib(a.usage.diskPressureMib)}: `
          + 'nothing new is placed here until there is more'}, 'disk nearly full') : null,
        !lost ? certificateBadge(a) : null),
      h('td', {class: 'use'}, bar(u.cpuMillis, t.cpuMillis, `${cpus(u.cpuMillis)} / ${cpus(t.cpuMillis)}`)),
      h('td', {class: 'use'}, bar(u.memoryMib, t.memoryMib, `${mib(u.memoryMib)} / ${mib(t.memoryMib)}`),
        a.usage && a.usage.taskMemoryMib !== undefined ? h('div', {class: 'muted'}, `tasks use ${mib(a.usage.taskMemoryMib)}`) : null),
      h('td', {class: 'use'}, bar(u.diskMib, t.diskMib, `${mib(u.diskMib)} / ${mib(t.diskMib)}`),
        a.usage && a.usage.sandboxesMib !== undefined ? h('div', {class: 'muted'}, `sandboxes ${mib(a.usage.sandboxesMib)}`) : null),
      h('td', {}, a.gpus ? [h('div', {}, devices), h('div', {class: 'muted'}, a.gpuModel || '')] : h('span', {class: 'muted'}, '—')),
      h('td', {class: 'mono'}, Object.entries(a.attributes || {}).map(([k, v]) => `${k}=${v}`).join(' ')),
      h('td', {class: 'muted'}, ago(a.lastHeartbeat)));
  }, a => `${a.name} ${a.id} ${a.status} ${a.draining ? 'draining' : ''} ${diskNearlyFull(a) ? 'disk nearly full' : ''} ${certificateEnd(a) ? 'certificate' : ''} ${a.gpuModel || ''} ${Object.entries(a.attributes || {}).map(e => e.join('=')).join(' ')}`,
  {placeholder: 'Filter agents (name, attribute, lost, draining)', id: 'agents'});
  fill(main, h('h1', {}, 'Cluster'), notices, cards, h('h2', {}, 'Agents'), table);

  watch('/v1/status', st => {
    const t = st.total || {};
    const u = st.allocated || {};
    fill(notices, allocatorCertificate(st));
    fill(cards,
      card('agents ready', count(st.agentsReady), 'agents-ready'),
      card('draining', count(st.agentsDraining), 'agents-draining'),
      card('lost', count(st.agentsLost), 'agents-lost'),
      card('CPUs allocated', `${cpus(u.cpuMillis)} / ${cpus(t.cpuMillis)}`),
      card('memory allocated', `${mib(u.memoryMib)} / ${mib(t.memoryMib)}`),
      card('disk allocated', `${mib(u.diskMib)} / ${mib(t.diskMib)}`),
      card('GPUs allocated', `${cpus(u.gpuMillis)} / ${cpus(t.gpuMillis)}`),
      card('pending requests', count(st.pendingRequests), 'pending'),
      card('live allocations', count(st.liveAllocations)));
  }, signal, problem);
  watch('/v1/agents', list => {
    agents = list.sort((x, y) => x.name.localeCompare(y.name));
    table.update(agents);
  }, signal, problem);
  watch('/v1/allocations?state=allocated', allocs => {
    const m = new Map();
    for (const a of allocs) {
      for (const g of a.gpuIndexes || []) {
        if (!m.has(a.agentId)) m.set(a.agentId, new Map());
        m.get(a.agentId).set(g, `${a.name} (${a.role})`);
      }
    }
    gpusByAgent = m;
    table.update(agents);
  }, signal, () => {}); // an agent token may not list allocations: the devices then show as free
}
