// The dashboard's shell: sign-in, navigation by the URL's hash, and one view at a time. Each view
// gets an AbortSignal that ends its blocking queries when the user goes elsewhere.
import {h, fill} from './dom.js';
import {api, session, ApiError} from './api.js';
import {clusterView} from './cluster.js';
import {rolesView} from './roles.js';
import {servicesView, serviceView, deploymentsView} from './services.js';
import {deploymentView} from './deployment.js';
import {monitorsView, monitorView} from './monitor.js';
import {tokensView} from './tokens.js';
import {logsView} from './logs.js';
import {allocationsView, allocationView} from './allocations.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signout = document.getElementById('signout');
const problemBox = document.getElementById('problem');
let current = null;
let problemTimer = null;

/** Shows a problem a user can read (the server's own reason) for a while. */
export function problem(e) {
  if (e instanceof ApiError && e.status === 401) {
    session.clear();
    route();
    return;
  }
  problemBox.textContent = e && e.message ? e.message : String(e);
  problemBox.hidden = false;
  clearTimeout(problemTimer);
  problemTimer = setTimeout(() => { problemBox.hidden = true; }, 8000);
}

const ROUTES = [
  [/^#?\/?$/, () => clusterView],
  [/^#\/cluster$/, () => clusterView],
  [/^#\/roles$/, () => rolesView],
  [/^#\/services$/, () => servicesView],
  [/^#\/services\/([^/]+)\/([^/]+)$/, () => serviceView],
  [/^#\/allocations$/, () => allocationsView],
  [/^#\/allocations\/([^/]+)$/, () => allocationView],
  [/^#\/deployments$/, () => deploymentsView],
  [/^#\/deployments\/([^/]+)$/, () => deploymentView],
  [/^#\/monitors$/, () => monitorsView],
  [/^#\/monitors\/([^/]+)$/, () => monitorView],
  [/^#\/tokens$/, () => tokensView],
  [/^#\/logs\/([^/]+)(?:\/(stdout|stderr))?$/, () => logsView],
];

function route() {
  if (current) current.abort();
  current = new AbortController();
  problemBox.hidden = true;
  if (!session.token) {
    signIn();
    return;
  }
  nav.hidden = false;
  signout.hidden = false;
  document.getElementById('nav-tokens').hidden = sessionStorage.getItem('steward.kind') !== 'admin'; // the admin's alone
  const hash = location.hash || '#/cluster';
  for (const [re, view] of ROUTES) {
    const m = hash.match(re);
    if (m) {
      const name = hash.split('/')[1] || 'cluster';
      for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.dataset.view === name);
      fill(main);
      view()(main, m.slice(1).map(x => x === undefined ? undefined : decodeURIComponent(x)), {signal: current.signal, problem});
      return;
    }
  }
  fill(main, h('h1', {}, 'Not found'), h('p', {}, 'Nothing here. ', h('a', {href: '#/cluster'}, 'Back to the cluster.')));
}

function signIn(message) {
  nav.hidden = true;
  signout.hidden = true;
  who.textContent = '';
  const input = h('input', {id: 'token', type: 'password', autocomplete: 'off', placeholder: 'sta_admin_… or str_…', 'aria-label': 'Token'});
  const error = h('p', {id: 'signin-error', class: 'muted'}, message || '');
  const form = h('form', {id: 'signin', onsubmit: async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    session.set(token);
    try {
      await describe();
      route();
    } catch (e) {
      session.clear();
      fill(error, e instanceof ApiError && e.status === 401 ? 'This token is not known to this allocator.' : e.message);
    }
  }},
    h('h1', {}, 'Sign in to Steward'),
    h('p', {class: 'muted'}, 'With the admin token (admin.token in the allocator\'s data directory) or a role\'s token. ',
      'It is kept in this tab only, and forgotten when the tab closes.'),
    input, h('button', {type: 'submit', class: 'primary', id: 'signin-button'}, 'Sign in'), error);
  fill(main, form);
  input.focus();
}

/** Says who the token is, as the allocator sees it. */
async function describe() {
  const me = (await api('/v1/whoami')).data;
  who.textContent = me.kind === 'admin' ? 'admin' : me.kind + ' ' + me.subject;
  sessionStorage.setItem('steward.who', who.textContent);
  sessionStorage.setItem('steward.kind', me.kind);
}

signout.addEventListener('click', () => {
  session.clear();
  sessionStorage.removeItem('steward.who');
  sessionStorage.removeItem('steward.kind');
  location.hash = '#/cluster';
  route();
});
window.addEventListener('hashchange', route);
who.textContent = sessionStorage.getItem('steward.who') || '';
route();
