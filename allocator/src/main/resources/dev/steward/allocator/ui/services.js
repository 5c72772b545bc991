// Services: each app and environment, its revisions, instances and endpoints; and the deployments.
import {h, fill, bigTable} from './dom.js';
import {api, watch} from './api.js';
import {short, ago, time, lower} from './format.js';
import {allocationLink, outputLinks} from './links.js';

export function serviceLink(app, env) {
  return `#/services/${encodeURIComponent(app)}/${encodeURIComponent(env)}`;
}

/** The API path of a service named "app/env". */
export function servicePath(name) {
  const [app, env] = name.split('/');
  return `/v1/services/${encodeURIComponent(app)}/${encodeURIComponent(env)}`;
}

function state(s) {
  return h('span', {class: 'state-' + lower(s)}, lower(s));
}

/** The deployment under way, else how the last one ended (a failed or aborted one with its reason on hover). */
function deploymentCell(s) {
  const last = s.lastDeployment;
  const id = s.deployment || (last && last.id);
  if (!id) return h('span', {class: 'muted'}, '—');
  const link = h('a', {href: '#/deployments/' + encodeURIComponent(id)}, id);
  if (!last || (s.deployment && last.id !== s.deployment)) return link;
  return h('span', {title: last.reason || ''}, link, ' ', state(last.state));
}

export function servicesView(main, params, {signal, problem}) {
  const table = bigTable(['Service', 'Role', 'Instances', 'Revision', 'Deployment', 'Updated'], s =>
    h('tr', {'data-service': s.name},
      h('td', {}, h('a', {href: serviceLink(s.app, s.env)}, s.name)),
      h('td', {}, s.role),
      h('td', {}, s.deletingSince ? h('span', {class: 'state-deleting'}, `being deleted: ${s.stopping} stopping`)
        : `${s.available} available, ${s.running} running of ${s.instances}`),
      h('td', {}, `r${s.revision}`, s.stableRevision ? h('span', {class: 'muted'}, ` (stable r${s.stableRevision})`) : null),
      h('td', {}, deploymentCell(s)),
      h('td', {class: 'muted'}, ago(s.updatedAt))),
  s => `${s.name} ${s.role}`, {placeholder: 'Filter services (app, env, role)', id: 'services'});
  fill(main, h('h1', {}, 'Services'), table);
  watch('/v1/services', list => table.update(list.sort((a, b) => a.name.localeCompare(b.name))), signal, problem);
}

export function deploymentsView(main, params, {signal, problem}) {
  const table = bigTable(['Service', 'Deployment', 'Revision', 'Instances'], s =>
    h('tr', {'data-service': s.name},
      h('td', {}, h('a', {href: serviceLink(s.app, s.env)}, s.name)),
      h('td', {}, h('a', {href: '#/deployments/' + encodeURIComponent(s.deployment)}, s.deployment)),
      h('td', {}, `r${s.revision}`),
      h('td', {}, `${s.available} available of ${s.instances}`)),
  s => s.name, {placeholder: 'Filter', id: 'deployments'});
  fill(main, h('h1', {}, 'Deployments in progress'),
    h('p', {class: 'muted'}, 'Every service with a deployment under way. Each service\'s page has its history.'), table);
  watch('/v1/services', list => table.update(list.filter(s => s.deployment).sort((a, b) => a.name.localeCompare(b.name))), signal, problem);
}

/**
 * A service's instances; with {@code restart} (the service page's), each live one placed has a
 * Restart action: two clicks, then {@code restart(instance)} asks for a fresh one in its place.
 */
export function instancesTable(instances, restart) {
  const heads = ['Instance', 'Revision', 'State', 'Agent', 'Ports', 'Since', 'Output', 'Note'].concat(restart ? ['Restart'] : []);
  return h('table', {class: 'instances'},
    h('thead', {}, h('tr', {}, heads.map(x => h('th', {}, x)))),
    h('tbody', {}, instances.length ? instances.map(i => h('tr', {'data-instance': i.id, 'data-state': lower(i.state)},
      h('td', {class: 'mono'}, i.allocationId ? h('a', {href: allocationLink(i.allocationId), title: 'its allocation', class: 'allocation'}, i.id) : i.id),
      h('td', {}, `r${i.revision}`),
      h('td', {}, state(i.state)),
      h('td', {}, i.host || i.agentId || h('span', {class: 'muted'}, '—')),
      h('td', {class: 'mono'}, Object.entries(i.ports || {}).map(([k, v]) => `${k}:${v}`).join(' ')),
      h('td', {class: 'muted'}, ago(i.healthySince || i.createdAt)),
      h('td', {}, i.taskId ? outputLinks(i.taskId)
        : h('span', {class: 'muted'}, '—')),
      h('td', {class: 'muted'}, (i.reason || '') + tookOver(i, instances)),
      restart ? h('td', {}, restartable(i) ? restartOne(i, restart) : '') : null)) : h('tr', {}, h('td', {colspan: heads.length, class: 'muted'}, 'None.'))));
}

/** Whether an instance can be restarted alone: live, placed, not stopping, not already making way for a fresh one. */
function restartable(i) {
  return ['STARTING', 'HEALTHY', 'UNHEALTHY'].includes(i.state) && i.allocationId && !i.stopRequested && !(i.reason || '').startsWith('restarted by ');
}

/** One instance's Restart, in two clicks: the first says what the second does. */
function restartOne(i, restart) {
  const b = h('button', {type: 'button', class: 'restart-instance', 'data-instance': i.id, onclick: () => {
    if (!b.dataset.armed) {
      b.dataset.armed = 'yes';
      b.textContent = 'Start a fresh one, then stop this one';
      return;
    }
    b.disabled = true;
    restart(i);
  }}, 'Restart…');
  return b;
}

/** Delete, in two clicks: the first shows what the second does. Once taken, the list of services shows it stopping, then gone. */
function deleteButtons(name, path, problem) {
  const confirm = h('button', {type: 'button', id: 'delete-confirm', class: 'danger', hidden: true, onclick: async () => {
    try {
      await api(path, {method: 'DELETE'});
      location.hash = '#/services';
    } catch (e) { problem(e); }
  }}, `Delete ${name}: stop its instances, then forget it and its history`);
  const ask = h('button', {type: 'button', id: 'delete', onclick: () => { ask.hidden = true; confirm.hidden = false; }}, 'Delete…');
  return [ask, confirm];
}

/** A rolling restart, asked for in two clicks as a delete is; the page then follows its deployment. */
function restartButtons(path, revision, problem) {
  const confirm = h('button', {type: 'button', id: 'restart-confirm', hidden: true, onclick: async () => {
    try {
      const r = await api(path + '/restart', {method: 'POST', body: {}});
      location.hash = '#/deployments/' + encodeURIComponent(r.data.deployment.id);
    } catch (e) { problem(e); }
  }}, `Restart: replace every instance by a fresh one of r${revision}, rolling`);
  const ask = h('button', {type: 'button', id: 'restart', onclick: () => { ask.hidden = true; confirm.hidden = false; }}, 'Restart…');
  return [ask, confirm];
}

/**
 * How many failed or lost instances a service replaced in a row (the count its backoff grows with:
 * from a deployment's start, success or rollback, or 10 calm minutes), and, while the backoff holds,
 * until when the next replacement waits (a crash loop's back-off, as the CLI says it).
 */
function replacements(s) {
  if (!s.replacements) return '';
  const waits = s.replaceNotBefore && Date.parse(s.replaceNotBefore) > Date.now() && s.running < s.instances;
  return h('span', {id: 'replacements'}, ` · ${s.replacements} failed or lost instance${s.replacements === 1 ? '' : 's'} replaced`,
    waits ? `; the next replacement waits until ${time(s.replaceNotBefore)} (backoff: 2 s, doubling to 60 s; a deploy or 10 calm minutes start it over)` : '');
}

export function serviceView(main, [app, env], {signal, problem}) {
  const name = `${app}/${env}`;
  const path = `/v1/services/${encodeURIComponent(app)}/${encodeURIComponent(env)}`;
  const head = h('div');
  const body = h('div');
  fill(main, h('h1', {}, name), head, body);
  watch(path, async s => {
    fill(head, h('p', {},
      s.deletingSince ? h('strong', {id: 'deleting'}, `Being deleted since ${time(s.deletingSince)}: ${s.stopping} stopping · `) : '',
      `Role ${s.role} · priority ${s.priority} · ${s.available} available, ${s.running} running of ${s.instances} · revision r${s.revision}`,
      s.stableRevision ? ` · stable r${s.stableRevision}` : '', s.activeRevision ? ` · traffic on r${s.activeRevision}` : '',
      s.deployment ? [' · ', h('a', {href: '#/deployments/' + encodeURIComponent(s.deployment), id: 'current-deployment'}, 'deployment ' + s.deployment)] : '',
      replacements(s)),
      s.deletingSince ? '' : h('div', {class: 'actions'}, h('button', {type: 'button', id: 'rollback', class: 'danger',
        // a service none of whose rollouts succeeded has nothing to go back to: said on the button, not by a refusal after the click
        disabled: !s.stableRevision, title: s.stableRevision ? null : 'No revision of this service has succeeded yet: there is none to roll back to',
        onclick: async () => {
        try {
          const r = await api(path + '/rollback', {method: 'POST', body: {}});
          if (r.data.deployment) location.hash = '#/deployments/' + encodeURIComponent(r.data.deployment.id);
          else problem(new Error(r.data.message || 'nothing to roll back'));
        } catch (e) { problem(e); }
      }}, 'Roll back to the previous stable revision'), ...restartButtons(path, s.revision, problem), deleteButtons(name, path, problem)));
    try {
      const [revisions, instances, endpoints, deployments, monitors, secrets] = await Promise.all(
        ['/revisions', '/instances', '/endpoints', '/deployments', '/monitors', '/secrets'].map(p => api(path + p, {signal}).then(r => r.data)));
      fill(body,
        h('h2', {}, 'Instances'), instancesTable(instances.filter(i => !['STOPPED', 'FAILED', 'LOST'].includes(i.state) || i.revision === s.revision),
          s.deletingSince ? null : async i => {
            try {
              await api(`${path}/instances/${encodeURIComponent(i.id)}/restart`, {method: 'POST', body: {}});
            } catch (e) { problem(e); }
          }),
        h('h2', {}, 'Endpoints'),
        endpoints.length ? h('ul', {id: 'endpoints'}, endpoints.map(e => h('li', {class: 'mono'},
          `${e.host} ${Object.entries(e.ports || {}).map(([k, v]) => `${k}:${v}`).join(' ')} (r${e.revision}, ${e.instance})`)))
          : h('p', {class: 'muted'}, 'None yet.'),
        h('h2', {}, 'Revisions'),
        h('table', {id: 'revisions'}, h('thead', {}, h('tr', {}, ['Revision', 'Package', 'Secrets', 'Build', 'By', 'Origin', 'Created'].map(x => h('th', {}, x)))),
          h('tbody', {}, revisions.slice().reverse().map(r => h('tr', {},
            h('td', {}, `r${r.number}`, r.stable ? h('span', {class: 'badge ok'}, 'stable') : null),
            h('td', {class: 'mono', title: r.spec && r.spec.packageDigest}, short(r.spec && r.spec.packageDigest)),
            h('td', {class: 'mono'}, Object.entries((r.spec && r.spec.secrets) || {}).map(([k, v]) => `${k} v${v}`).join(', ') || '—'),
            h('td', {}, r.buildUrl ? h('a', {href: r.buildUrl, rel: 'noopener noreferrer', target: '_blank'}, r.buildUrl) : '—'),
            h('td', {}, r.createdBy || ''), h('td', {}, origin(r)), h('td', {class: 'muted'}, time(r.createdAt)))))),
        h('h2', {}, 'Secrets'),
        secrets.length ? h('table', {id: 'secrets'}, h('thead', {}, h('tr', {}, ['Name', 'Version', 'Set by', 'Set', 'Used by'].map(x => h('th', {}, x)))),
          h('tbody', {}, secrets.map(x => h('tr', {'data-secret': x.name},
            h('td', {class: 'mono'}, x.name), h('td', {}, `v${x.version}`), h('td', {}, x.updatedBy || ''),
            h('td', {class: 'muted'}, time(x.updatedAt)), h('td', {}, (x.usedBy || []).map(n => `r${n}`).join(', ') || '—')))))
          : h('p', {class: 'muted'}, 'None. Set one with steward secrets set; the page never shows a value.'),
        h('h2', {}, 'Deployments'),
        h('table', {id: 'history'}, h('thead', {}, h('tr', {}, ['Deployment', 'Revision', 'State', 'By', 'Started', 'Why'].map(x => h('th', {}, x)))),
          h('tbody', {}, deployments.map(d => h('tr', {},
            h('td', {}, h('a', {href: '#/deployments/' + encodeURIComponent(d.id)}, d.id)),
            h('td', {}, `r${d.revision}`), h('td', {}, state(d.state)), h('td', {}, d.createdBy || ''),
            h('td', {class: 'muted'}, time(d.createdAt)), h('td', {class: 'muted'}, d.reason || ''))))),
        h('h2', {}, 'Monitors'),
        monitors.length ? h('ul', {}, monitors.map(m => h('li', {}, h('a', {href: '#/monitors/' + encodeURIComponent(m.id)}, m.id),
          ' ', m.running ? 'running' : h('span', {class: 'verdict-' + lower(m.verdict)}, lower(m.verdict)), ' ', h('span', {class: 'muted'}, m.reason || ''))))
          : h('p', {class: 'muted'}, 'None.'));
    } catch (e) {
      if (!signal.aborted) problem(e);
    }
  }, signal, problem);
}

/** Where a revision came from: a restart, a promotion or a rollback; a plain deploy has none. */
function origin(r) {
  if (r.restartOf) return `restart of r${r.restartOf}`;
  if (r.promotedFrom) return `promoted from ${r.promotedFrom}`;
  if (r.rolledBackTo) return `rollback to r${r.rolledBackTo}`;
  return '—';
}

/** What a fresh instance took over from: one restarted alone (its reason says so), else one on a draining agent. */
function tookOver(i, all) {
  if (!i.movedFrom) return '';
  const from = all.find(x => x.id === i.movedFrom);
  return ` (took over from ${i.movedFrom}, ${from && (from.reason || '').startsWith('restarted by ') ? 'restarted' : 'whose agent drained'})`;
}
