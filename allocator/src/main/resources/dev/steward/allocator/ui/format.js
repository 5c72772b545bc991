// Units as the steward command prints them.

export function cpus(millis) {
  const v = (millis || 0) / 1000;
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0$/, '');
}

export function mib(m) {
  m = m || 0;
  if (m >= 1024 * 1024) return (m / 1024 / 1024).toFixed(1).replace(/\.0$/, '') + ' TiB';
  if (m >= 1024) return (m / 1024).toFixed(1).replace(/\.0$/, '') + ' GiB';
  return m + ' MiB';
}

export function bytes(b) {
  return mib(Math.round((b || 0) / 1024 / 1024));
}

export function count(n) {
  return Number(n || 0).toLocaleString('en-US');
}

export function pct(x) {
  return (100 * (x || 0)).toFixed(1) + '%';
}

export function ago(iso) {
  if (!iso) return '';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 0) return 'in ' + span(-s);
  return span(s) + ' ago';
}

function span(s) {
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

export function time(iso) {
  return iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

export function short(digest) {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

export function lower(state) {
  return String(state || '').toLowerCase();
}
