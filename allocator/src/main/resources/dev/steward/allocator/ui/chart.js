// A gate's series as an SVG line chart with axes: time along the bottom, the value up the side,
// the gate's bound as a dashed line, each evaluation a dot (green held, red broke).
import {s} from './dom.js';

const W = 720, H = 240, L = 64, R = 16, T = 14, B = 32;

/** The number in a bound such as "< 1.00%", "< 250.0ms" or "< 0.50 cpus", in the values' unit. */
export function parseBound(bound) {
  if (!bound) return NaN;
  const b = bound.replace(/^[<>=]+\s*/, '');
  const n = parseFloat(b);
  if (Number.isNaN(n)) return NaN;
  if (b.endsWith('%')) return n / 100;
  if (b.endsWith('ms')) return n / 1000;
  return n;
}

function ticks(max, n) {
  const raw = max / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  const step = [1, 2, 5, 10].map(m => m * p).find(x => x >= raw) || raw;
  const out = [];
  for (let v = 0; v <= max + 1e-12; v += step) out.push(v);
  return out;
}

function label(v, bound) {
  if (bound && bound.trim().endsWith('%')) return (v * 100).toFixed(1) + '%';
  if (bound && bound.trim().endsWith('ms')) return (v * 1000).toFixed(0) + 'ms';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

export function gateChart(gate) {
  const pts = (gate.points || []).filter(p => p.value !== null && p.value !== undefined).map(p => ({t: Date.parse(p.at), v: p.value, ok: p.passed}));
  const bound = parseBound(gate.bound);
  const svg = s('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `${gate.gate}: ${pts.length} evaluations`});
  if (pts.length === 0) {
    svg.appendChild(s('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, 'no data yet'));
    return svg;
  }
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1000);
  const max = Math.max(...pts.map(p => p.v), Number.isNaN(bound) ? 0 : bound * 1.2, 1e-9);
  const x = t => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = v => H - B - (H - B - T) * v / max;
  for (const v of ticks(max, 4)) {
    svg.appendChild(s('line', {class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v)}));
    svg.appendChild(s('text', {x: L - 6, y: y(v) + 4, 'text-anchor': 'end'}, label(v, gate.bound)));
  }
  const span = (t1 - t0) / 1000;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (t1 - t0) * i / 4;
    svg.appendChild(s('text', {x: x(t), y: H - B + 16, 'text-anchor': 'middle'},
      span < 600 ? `+${Math.round((t - t0) / 1000)}s` : new Date(t).toISOString().slice(11, 16)));
  }
  svg.appendChild(s('line', {class: 'axis', x1: L, x2: L, y1: T, y2: H - B}));
  svg.appendChild(s('line', {class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B}));
  svg.appendChild(s('text', {x: (L + W - R) / 2, y: H - 2, 'text-anchor': 'middle'}, `time since ${new Date(t0).toISOString().slice(11, 19)}Z`));
  if (!Number.isNaN(bound)) {
    svg.appendChild(s('line', {class: 'bound', x1: L, x2: W - R, y1: y(bound), y2: y(bound)}));
    svg.appendChild(s('text', {x: W - R, y: y(bound) - 4, 'text-anchor': 'end'}, `bound ${gate.bound}`));
  }
  svg.appendChild(s('polyline', {class: 'series', points: pts.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}));
  for (const p of pts) svg.appendChild(s('circle', {class: p.ok ? 'pass' : 'fail', cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5}));
  return svg;
}
