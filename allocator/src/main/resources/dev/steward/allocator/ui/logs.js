// A task's output, as `steward logs -f` shows it: the last 64 KiB of its stdout or stderr, then
// what it writes next, until the task ends; earlier output a button at a time. Bytes are decoded
// as UTF-8 across reads and shown as text, never markup; the page keeps at most 1 MiB of it,
// dropping the oldest lines, so a chatty task cannot exhaust the browser.
import {h, fill} from './dom.js';
import {api, watch, logRead, sleep, PAST_END} from './api.js';
import {time, lower} from './format.js';
import {allocationLink, logsLink} from './links.js';

const WINDOW = 64 * 1024;
const KEEP = 1024 * 1024;
const NEWLINE = 10;

export function logsView(main, [task, stream = 'stdout'], {signal, problem}) {
  const head = h('p', {id: 'task'});
  const status = h('span', {id: 'log-status', class: 'muted'}, 'Reading…');
  const text = document.createTextNode('');
  const pre = h('pre', {id: 'log', class: 'output log'}, text);
  const earlier = h('button', {type: 'button', id: 'earlier', hidden: true, onclick: () => more()}, 'Show earlier output');
  const tabs = h('p', {class: 'tabs'}, ['stdout', 'stderr'].map(s => s === stream
    ? h('strong', {id: 'stream'}, s) : h('a', {href: logsLink(task, s), id: 'stream-' + s}, s)).flatMap((x, i) => i ? [' · ', x] : [x]));
  fill(main, h('h1', {}, 'Output of task ', h('span', {class: 'mono'}, task)), head, tabs, h('div', {class: 'toolbar'}, earlier, ' ', status), pre);

  watch('/v1/tasks/' + encodeURIComponent(task), t => fill(head,
    `${(t.spec && t.spec.name) || 'task'} · `, h('span', {class: 'state-' + lower(t.state), id: 'task-state'}, lower(t.state)),
    t.allocationId ? [' · allocation ', h('a', {href: allocationLink(t.allocationId), class: 'mono', id: 'task-allocation'}, t.allocationId)] : '',
    t.agentId ? ` · agent ${t.agentId}` : '', t.startedAt ? ` · started ${time(t.startedAt)}` : '',
    t.finishedAt ? ` · ended ${time(t.finishedAt)}` : '', t.exitCode !== null && t.exitCode !== undefined ? ` · exit code ${t.exitCode}` : '',
    t.restarts ? ` · ${t.restarts} restarts` : '', t.reason ? h('span', {class: 'muted'}, ` · ${t.reason}`) : ''), signal, problem);

  let shownFrom = 0; // the byte offset where what the page shows starts (a line's start)
  let busy = false;
  const decoder = new TextDecoder();

  function atBottom() {
    return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  }

  /** Adds text at the end (kept scrolled to the end if it was there), then drops whole lines from the start past KEEP. */
  function append(s) {
    if (!s) return;
    const stick = atBottom();
    text.appendData(s);
    if (text.length > KEEP) {
      const cut = text.data.indexOf('\n', text.length - KEEP);
      const drop = cut < 0 ? text.length - KEEP : cut + 1;
      shownFrom += new TextEncoder().encode(text.data.slice(0, drop)).length;
      text.deleteData(0, drop);
      earlier.hidden = false;
    }
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  /**
   * Reads {@code stream} from {@code from} and drops a line the window cut: the read starts one
   * byte early, so a window that starts at a line's start keeps that line. A line longer than the
   * window is shown cut rather than not at all. {bytes, start (the offset of bytes[0]), next, end}.
   */
  async function readLines(from) {
    if (from === 0) return {...(await logRead(task, stream, 0, null, signal)), start: 0};
    const r = await logRead(task, stream, from - 1, null, signal);
    const nl = r.bytes.subarray(0, WINDOW).indexOf(NEWLINE);
    const skip = nl < 0 ? 1 : nl + 1;
    return {...r, bytes: r.bytes.subarray(skip), start: from - 1 + skip};
  }

  // earlier output: the WINDOW before what is shown, whole lines only, while the page holds less than KEEP
  async function more() {
    if (busy || shownFrom === 0) return;
    busy = true;
    try {
      const r = await readLines(Math.max(0, shownFrom - WINDOW));
      const bytes = r.bytes.subarray(0, Math.max(0, shownFrom - r.start));
      shownFrom = Math.min(shownFrom, r.start);
      const keepTop = pre.scrollHeight - pre.scrollTop;
      text.insertData(0, new TextDecoder().decode(bytes));
      pre.scrollTop = pre.scrollHeight - keepTop;
      earlier.hidden = shownFrom === 0 || text.length >= KEEP;
    } catch (e) {
      if (!signal.aborted) problem(e);
    } finally {
      busy = false;
    }
  }

  /** The task's state as the allocator has it, or null when it does not know the task or this token may not read it. */
  async function taskState() {
    try {
      return (await api('/v1/tasks/' + encodeURIComponent(task), {signal})).data.state;
    } catch (e) {
      return null;
    }
  }

  async function follow() {
    let offset = null;
    let pause = 2000; // after a failed read: 2 s, doubled each time up to 30 s (an agent that is gone is not asked every 2 s for ever)
    let readAgain = false; // a refusal read again at once because the task had started meanwhile: the next one is the answer
    while (!signal.aborted) {
      try {
        if (offset === null) { // the last WINDOW bytes, from a line's start
          const end = (await logRead(task, stream, PAST_END, null, signal)).next;
          const r = await readLines(Math.max(0, end - WINDOW));
          shownFrom = r.start;
          earlier.hidden = shownFrom === 0;
          append(decoder.decode(r.bytes, {stream: true}));
          pre.scrollTop = pre.scrollHeight;
          offset = r.next;
          if (r.end) break;
        }
        fill(status, 'Following: new output appears as the task writes it.');
        const r = await logRead(task, stream, offset, '30s', signal);
        pause = 2000;
        append(decoder.decode(r.bytes, {stream: true}));
        offset = r.next;
        if (r.end) break;
      } catch (e) {
        if (signal.aborted) return;
        const state = [400, 403, 404].includes(e.status) ? await taskState() : null;
        if (e.status === 404 && state !== null && state !== 'PENDING' && !readAgain) {
          // it started (or even ended) between the refused read and the look at it: its output is there now
          readAgain = true;
          continue;
        }
        if ([400, 403, 404].includes(e.status) && state !== 'PENDING') {
          // not this token's, no such task, or one whose output its agent no longer has (the reason is the allocator's): trying again changes nothing
          fill(status, e.message);
          return;
        }
        // a task its agent has not started yet has no log there: it comes
        fill(status, state === 'PENDING' ? `Nothing to read yet (${e.message}); trying again in ${pause / 1000} s.`
          : `Cannot read the output now (${e.message}); trying again in ${pause / 1000} s.`);
        await sleep(pause, signal);
        pause = Math.min(30000, pause * 2);
      }
    }
    if (signal.aborted) return;
    append(decoder.decode());
    if (!text.length) fill(pre, h('span', {class: 'muted', id: 'log-empty'}, `The task wrote nothing on ${stream}.`));
    fill(status, 'The task has ended: nothing more will come.');
  }

  follow();
}
