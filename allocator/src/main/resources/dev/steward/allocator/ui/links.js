// Where the dashboard's pages of one thing are, for the views that link to them.
import {h} from './dom.js';

export function allocationLink(id) {
  return '#/allocations/' + encodeURIComponent(id);
}

export function logsLink(task, stream) {
  return `#/logs/${encodeURIComponent(task)}` + (stream && stream !== 'stdout' ? '/' + stream : '');
}

/** A task's two output pages, as a table cell shows them: "stdout stderr". */
export function outputLinks(task) {
  return [h('a', {href: logsLink(task), class: 'stdout'}, 'stdout'), ' ', h('a', {href: logsLink(task, 'stderr'), class: 'stderr'}, 'stderr')];
}
