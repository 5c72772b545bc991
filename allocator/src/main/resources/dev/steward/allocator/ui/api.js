// The API, with the token of this tab's session. The token lives in sessionStorage only: never in a
// URL, never in a cookie, gone when the tab closes.

const KEY = 'steward.token';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function requestId() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
}

/** One call: resolves to {data, index}, or rejects with an ApiError carrying the server's reason. */
export async function api(path, {method = 'GET', body, signal} = {}) {
  const headers = {'Authorization': 'Bearer ' + session.token, 'X-Request-Id': 'dashboard-' + requestId()};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store'});
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!r.ok) {
    throw new ApiError(r.status, data && data.detail ? data.detail : `${method} ${path}: ${r.status}`);
  }
  return {data, index: Number(r.headers.get('X-Steward-Index') || 0)};
}

/**
 * Keeps {@code onData} fed with {@code path} through blocking queries: the first call answers at once,
 * each next one waits (up to 30 s) for the state to pass the index the last one saw. Stops when
 * {@code signal} aborts. On an error it tells {@code onError} and tries again 2 s later.
 */
export async function watch(path, onData, signal, onError) {
  let index = 0;
  const sep = path.includes('?') ? '&' : '?';
  while (!signal.aborted) {
    try {
      const r = await api(index ? `${path}${sep}index=${index}&wait=30s` : path, {signal});
      if (signal.aborted) return;
      index = r.index > index ? r.index : (r.index < index ? 0 : index); // a restarted allocator may count from less
      onData(r.data);
    } catch (e) {
      if (signal.aborted) return;
      if (onError) onError(e);
      await sleep(2000, signal);
    }
  }
}

export function sleep(ms, signal) {
  return new Promise(resolve => {
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, {once: true});
  });
}

/**
 * One read of task {@code task}'s {@code stream} from byte {@code offset}, waiting up to {@code wait}
 * (e.g. '30s') for new bytes when given: {bytes (a Uint8Array), next (where the next read starts),
 * end (the task has ended and this read reached the end of its log)}. An offset past the end answers
 * no bytes and where the log ends.
 */
export async function logRead(task, stream, offset, wait, signal) {
  const q = `/v1/tasks/${encodeURIComponent(task)}/logs?stream=${stream}&offset=${offset}` + (wait ? `&wait=${wait}` : '');
  const r = await fetch(q, {headers: {'Authorization': 'Bearer ' + session.token, 'X-Request-Id': 'dashboard-' + requestId()}, signal, cache: 'no-store'});
  if (!r.ok) {
    let detail = null;
    try { detail = (await r.json()).detail; } catch (e) { /* not a problem document */ }
    throw new ApiError(r.status, detail || `output of task ${task}: ${r.status}`);
  }
  return {bytes: new Uint8Array(await r.arrayBuffer()), next: Number(r.headers.get('X-Steward-Log-Offset') || 0),
    end: r.headers.get('X-Steward-Log-End') === 'true'};
}

/** Beyond any log (Long.MAX_VALUE / 2, as the client's tail): a read from here answers where the log ends. */
export const PAST_END = '4611686018427387903';

/**
 * The last {@code lines} lines task {@code task} wrote on {@code stream} ('' when none), as
 * `steward logs --tail` reads them: a read from past the end answers nothing and where the log
 * ends, then the bytes before that end; a first line the window cut is left out.
 */
export async function logTail(task, stream, lines, signal) {
  const end = (await logRead(task, stream, PAST_END, null, signal)).next;
  if (end === 0 || end >= Number(PAST_END)) return '';
  const from = Math.max(0, end - 16384);
  let text = new TextDecoder().decode((await logRead(task, stream, from, null, signal)).bytes);
  if (from > 0) text = text.slice(text.indexOf('\n') + 1);
  const all = text.replace(/\n$/, '').split('\n');
  return all.slice(-lines).join('\n');
}
