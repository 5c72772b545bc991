// One deployment as it happens: state and step, new and old instances and their health, the
// events, and the buttons a person uses on a rollout. Live through blocking queries: no reload.
import {h, fill} from './dom.js';
import {api, watch, logTail} from './api.js';
import {instancesTable, servicePath, serviceLink} from './services.js';
import {time, lower} from './format.js';
import {logsLink} from './links.js';

const FINAL = ['SUCCEEDED', 'FAILED', 'ROLLED_BACK', 'SUPERSEDED', 'ABORTED'];

export function deploymentView(main, [id], {signal, problem}) {
  const path = '/v1/deployments/' + encodeURIComponent(id);
  const head = h('div', {id: 'deployment'});
  const actions = h('div', {class: 'actions', id: 'actions'});
  const progress = h('div');
  const fresh = h('div', {id: 'new-instances'});
  const old = h('div', {id: 'old-instances'});
  const events = h('div', {class: 'events', id: 'events'});
  const failed = h('div', {id: 'failed-output'});
  let lastSeq = 0;
  let shown = null;
  let failedShown = false;
  fill(main, h('h1', {}, 'Deployment ', h('span', {class: 'mono'}, id)), head, actions, progress, failed,
    h('h2', {}, 'New instances'), fresh, h('h2', {}, 'Old instances'), old, h('h2', {}, 'Events'), events);

  async function act(verb, d) {
    try {
      if (verb === 'rollback') {
        const r = await api(servicePath(d.service) + '/rollback', {method: 'POST', body: {}});
        if (r.data.deployment) location.hash = '#/deployments/' + encodeURIComponent(r.data.deployment.id);
        else problem(new Error(r.data.message || 'nothing to roll back'));
        return;
      }
      await api(`${path}/${verb}`, {method: 'POST', body: {}});
    } catch (e) {
      problem(e);
    }
  }

  function button(verb, label, d, cls) {
    return h('button', {type: 'button', id: verb, class: cls, onclick: (ev) => { ev.target.disabled = true; act(verb, d); }}, label);
  }

  async function render(d) {
    shown = d;
    const final = FINAL.includes(d.state);
    const steps = d.rollout && d.rollout.steps ? d.rollout.steps : [];
    const [app, env] = d.service.split('/');
    fill(head,
      h('p', {}, 'Service ', h('a', {href: serviceLink(app, env)}, d.service), ` · revision r${d.revision}`,
        d.fromRevision ? ` from r${d.fromRevision}` : '', ` · by ${d.createdBy || 'unknown'} · started ${time(d.createdAt)}`),
      h('p', {}, 'State ', h('strong', {id: 'state', class: 'state-' + lower(d.state)}, lower(d.state)),
        d.reason ? h('span', {class: 'muted', id: 'reason'}, ' · ' + d.reason) : null));
    fill(actions,
      d.state === 'RUNNING' ? button('pause', 'Pause', d) : null,
      d.state === 'PAUSED' ? button('resume', 'Resume', d) : null,
      d.state === 'PAUSED' && steps.length ? button('promote', 'Promote', d, 'primary') : null,
      !final ? button('abort', 'Abort', d, 'danger') : null,
      final ? button('rollback', 'Roll back the service', d, 'danger') : null);
    fill(progress,
      h('p', {}, `${d.newAvailable} of ${d.desired} new instances available (${d.newInstances} new, ${d.oldInstances} old, ${d.oldAvailable} old available)`),
      steps.length ? h('p', {}, 'Step ', h('span', {class: 'step', id: 'step'}, `${Math.min(d.step + 1, steps.length)} of ${steps.length}`),
        steps[d.step] ? ` · weight ${steps[d.step].weight || ''}${steps[d.step].pause ? ', pause ' + steps[d.step].pause : ''}` : '',
        d.pausedUntil && !final ? ` · waiting until ${time(d.pausedUntil)}` : '',
        d.state === 'PAUSED' && !d.pausedUntil ? ' · waiting for promote or resume' + (d.pausedAt ? ' since ' + time(d.pausedAt) : '') : '') : null,
      d.gate ? h('p', {}, 'Gate ', h('a', {href: '#/monitors/' + encodeURIComponent(d.gate.monitor)}, d.gate.monitor), ' ',
        d.gate.verdict ? h('span', {class: 'verdict-' + lower(d.gate.verdict)}, lower(d.gate.verdict)) : 'judging', d.gate.reason ? ' · ' + d.gate.reason : '') : null);
    try {
      const [instances, more] = await Promise.all([
        api(servicePath(d.service) + '/instances', {signal}).then(r => r.data),
        api(`${path}/events?after=${lastSeq}`, {signal}).then(r => r.data)]);
      if (shown !== d) return; // a newer answer came meanwhile
      const live = instances.filter(i => !['STOPPED', 'FAILED', 'LOST'].includes(i.state));
      fill(fresh, instancesTable(instances.filter(i => i.revision === d.revision && (live.includes(i) || final))));
      fill(old, instancesTable(live.filter(i => i.revision !== d.revision)));
      for (const e of more) {
        if (e.seq > lastSeq) {
          events.appendChild(h('div', {'data-seq': e.seq}, h('span', {class: 'muted'}, time(e.at) + ' '), e.message));
          lastSeq = e.seq;
        }
      }
      events.scrollTop = events.scrollHeight;
      if (final && d.state !== 'SUCCEEDED' && !failedShown) {
        failedShown = true;
        showFailed(d, instances);
      }
    } catch (e) {
      if (!signal.aborted) problem(e);
    }
  }

  // what the instance whose failure ended the rollout last wrote (its stderr, else its stdout), as `steward deploy` prints it
  async function showFailed(d, instances) {
    const m = /^instance ([0-9a-f]{16}) of revision \d+ failed/.exec(d.reason || '');
    const i = m && instances.find(x => x.id === m[1]);
    if (!i || !i.taskId) return;
    try {
      for (const stream of ['stderr', 'stdout']) {
        const text = await logTail(i.taskId, stream, 10, signal);
        if (text) {
          fill(failed, h('h2', {}, `What instance ${i.id} last wrote (${stream})`), h('pre', {class: 'output'}, text),
            h('p', {class: 'muted'}, h('a', {href: logsLink(i.taskId, stream), id: 'failed-output-all'}, 'All of it'),
              `, or steward logs ${i.id}` + (stream === 'stderr' ? ' --stderr' : '')));
          return;
        }
      }
    } catch (e) {
      if (!signal.aborted) fill(failed, h('p', {class: 'muted'}, `What instance ${i.id} last wrote cannot be read now: ${e.message}`));
    }
  }

  watch(path, d => render(d), signal, problem);
}
