// Monitors: the running ones, and one monitor's gates with their series and verdicts.
import {h, fill, bigTable} from './dom.js';
import {watch} from './api.js';
import {gateChart} from './chart.js';
import {time, lower} from './format.js';

function verdict(v, running) {
  return v ? h('span', {class: 'verdict-' + lower(v)}, lower(v)) : h('span', {class: 'muted'}, running ? 'judging' : '—');
}

export function monitorsView(main, params, {signal, problem}) {
  const table = bigTable(['Monitor', 'Service', 'Gates', 'Verdict', 'Ends'], m =>
    h('tr', {'data-monitor': m.id},
      h('td', {}, h('a', {href: '#/monitors/' + encodeURIComponent(m.id)}, m.id)),
      h('td', {}, m.service), h('td', {}, (m.spec && m.spec.gates || []).join('; ')),
      h('td', {}, verdict(m.verdict, m.running)), h('td', {class: 'muted'}, time(m.endsAt))),
  m => `${m.id} ${m.service}`, {placeholder: 'Filter monitors', id: 'monitors'});
  fill(main, h('h1', {}, 'Monitors running'), h('p', {class: 'muted'}, 'Ended monitors are on their service\'s page.'), table);
  watch('/v1/monitors', list => table.update(list), signal, problem);
}

export function monitorView(main, [id], {signal, problem}) {
  const body = h('div', {id: 'monitor'});
  fill(main, h('h1', {}, 'Monitor ', h('span', {class: 'mono'}, id)), body);
  watch('/v1/monitors/' + encodeURIComponent(id), m => {
    fill(body,
      h('p', {}, `Service ${m.service} · started ${time(m.startedAt)} · `, m.running ? `ends ${time(m.endsAt)}` : `ended ${time(m.endedAt)}`),
      h('p', {}, 'Verdict ', verdict(m.verdict, m.running), m.reason ? h('span', {class: 'muted'}, ' · ' + m.reason) : null,
        m.rolledBack ? h('span', {class: 'badge bad'}, 'rolled back ' + m.rolledBack) : null),
      (m.gates || []).map(g => h('section', {class: 'gate', 'data-gate': g.gate},
        h('h2', {}, g.gate, ' ', verdict(g.verdict, m.running)),
        h('p', {class: 'muted'}, `${g.evaluations} evaluations, ${g.failures} broke the bound, ${g.noData} without data`,
          g.lastText ? ` · last ${g.lastText}` : '', g.reason ? ` · ${g.reason}` : ''),
        gateChart(g))));
  }, signal, problem);
}
