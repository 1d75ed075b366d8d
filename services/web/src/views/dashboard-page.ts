import type { SessionServerHealth } from '../session-store.js'
import type { Hop } from '../session-data.js'
import type { NodesSnapshot } from '../nodes-status.js'
import type { SessionSummary } from '../user-sessions.js'
import { html, raw, type SafeHtml } from './html.js'
import { nodeBadge, page } from './layout.js'
import { nodeColor } from './node-colors.js'
import { LIVE_CLIENT_SCRIPT } from './live-client-script.js'
import { REQUEST_PATH_SCRIPT } from './request-path-script.js'

export interface DashboardPageOptions {
  readonly nonce: string
  readonly nodeName: string
  readonly user: string
  readonly createdAt: number
  readonly idleTimeoutMs: number
  readonly absoluteTimeoutMs: number
  readonly hops: readonly Hop[]
  readonly cart: readonly string[]
  readonly csrfToken: string
  readonly nodes: NodesSnapshot
  readonly sessionServers: readonly SessionServerHealth[]
  /** This user's live sessions, newest first; undefined when the store could not list them. */
  readonly sessions: readonly SessionSummary[] | undefined
  /** The store's bound on the list (maxSessionsPerUser). */
  readonly maxSessionsPerUser: number
}

function clock (iso: string): SafeHtml {
  // Rendered in UTC; the page script switches it to the viewer's local time.
  return html`<time datetime="${iso}" data-local>${iso.slice(11, 19)} UTC</time>`
}

function minutes (ms: number): string {
  const min = Math.round(ms / 60000)
  return min >= 120 ? `${Math.round(min / 60)} h` : `${min} min`
}

function hopsTable (hops: readonly Hop[]): SafeHtml {
  const rows = [...hops].reverse().map((hop, i) => html`
      <tr class="${i === 0 ? 'current' : ''}"><td>${hops.length - i}</td><td>${nodeBadge(hop.node)}</td><td>${clock(hop.at)}</td><td class="muted">${i === 0 ? 'this request' : ''}</td></tr>`)
  return html`
    <table>
      <thead><tr><th>#</th><th>Node</th><th>Time</th><th></th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`
}

function cartList (cart: readonly string[]): SafeHtml {
  if (cart.length === 0) return html`<li class="empty">Your cart is empty</li>`
  return html`${cart.map((item) => html`<li>${item}</li>`)}`
}

function clusterPanel (lbView: NodesSnapshot, servers: readonly SessionServerHealth[]): SafeHtml {
  const nodes = lbView.reachable
    ? html`<ul class="status">${lbView.nodes.map((n) => html`<li><span>${nodeBadge(n.name)}</span><span><span class="dot ${n.state}"></span>${n.state}</span></li>`)}</ul>`
    : html`<p class="muted">Load balancer status unavailable${lbView.error !== undefined ? html` (${lbView.error})` : ''}.</p>`
  const memcached = servers.length > 0
    ? html`<ul class="status">${servers.map((s) => html`<li><code>${s.id}</code><span><span class="dot ${s.state}"></span>${s.state}</span></li>`)}</ul>`
    : html`<p class="muted">No session servers configured.</p>`
  return html`
    <h3>Web nodes</h3>
    <div id="cluster-web">${nodes}</div>
    <h3>Session servers (memcached)</h3>
    <div id="cluster-memcached">${memcached}</div>`
}

function dayAndClock (iso: string): SafeHtml {
  return html`<time datetime="${iso}" data-local-full>${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`
}

/** Signs one session out (POST /sessions/:handle/logout); the handle is base64url, safe in a path. */
function revokeForm (handle: string, csrfToken: string): SafeHtml {
  return html`<form method="post" action="/sessions/${handle}/logout" class="revoke"><input type="hidden" name="_csrf" value="${csrfToken}"><button type="submit" class="ghost small">Sign out</button></form>`
}

function sessionsPanel (sessions: readonly SessionSummary[] | undefined, csrfToken: string, max: number): SafeHtml {
  const list = sessions === undefined
    ? html`<p class="muted">Your sessions could not be listed just now (the session servers did not answer).</p>`
    : html`
    <table class="sessions">
      <thead><tr><th>Browser</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead>
      <tbody id="sessions-body">${sessions.map((s) => html`
        <tr class="${s.current ? 'current' : ''}"><td>${s.userAgent}${s.current ? html` <span class="this-browser">this browser</span>` : ''}</td><td>${dayAndClock(s.createdAt)}</td><td>${dayAndClock(s.lastSeenAt)} ${nodeBadge(s.node)}</td><td>${revokeForm(s.handle, csrfToken)}</td></tr>`)}
      </tbody>
    </table>`
  return html`
    ${list}
    <form method="post" action="/logout-everywhere" class="everywhere">
      <input type="hidden" name="_csrf" value="${csrfToken}">
      <button type="submit" class="danger">Sign out everywhere</button>
      <span class="muted">Ends every session above, on every node and every memcached server. Up to ${max} sessions are remembered per user.</span>
    </form>`
}

// Trusted, constant script: cart writes via fetch (JSON, so /api/cart's
// content-type check doubles as CSRF protection), local times.
const SCRIPT = raw(`
(function () {
  for (const t of document.querySelectorAll('time[data-local]')) {
    const d = new Date(t.getAttribute('datetime'));
    if (!isNaN(d)) t.textContent = d.toLocaleTimeString();
  }
  for (const t of document.querySelectorAll('time[data-local-full]')) {
    const d = new Date(t.getAttribute('datetime'));
    if (!isNaN(d)) t.textContent = d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }
  const form = document.getElementById('cart-form');
  const input = document.getElementById('cart-item');
  const list = document.getElementById('cart-list');
  const count = document.getElementById('cart-count');
  const note = document.getElementById('cart-note');
  function render (cart) {
    list.replaceChildren();
    if (cart.length === 0) {
      const li = document.createElement('li'); li.className = 'empty'; li.textContent = 'Your cart is empty'; list.append(li);
    }
    for (const item of cart) { const li = document.createElement('li'); li.textContent = item; list.append(li); }
    list.scrollTop = list.scrollHeight;
    count.textContent = String(cart.length);
  }
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    note.className = 'note'; note.textContent = 'Saving…';
    try {
      const res = await fetch('/api/cart', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ item: input.value })
      });
      const by = res.headers.get('x-served-by') || 'a node';
      const body = await res.json().catch(function () { return {}; });
      if (res.ok) {
        render(body.cart); input.value = '';
        note.textContent = 'Saved by ' + by + ', visible from every node.';
      } else if (res.status === 401) {
        location.href = '/login';
      } else {
        note.className = 'note error'; note.textContent = body.message || ('Error ' + res.status);
      }
    } catch (err) {
      note.className = 'note error'; note.textContent = 'Network error, try again.';
    }
    input.focus();
  });
})();
`)

export function dashboardPage (o: DashboardPageOptions): SafeHtml {
  const signedInAt = new Date(o.createdAt).toISOString()
  const headerRight = html`
    <span id="live-status" data-state="connecting" data-node="">live: connecting</span>
    <span>Signed in as <strong>${o.user}</strong></span>
    <form method="post" action="/logout">
      <input type="hidden" name="_csrf" value="${o.csrfToken}">
      <button type="submit" class="ghost">Log out</button>
    </form>`
  const body = html`
<div class="grid">
  <div class="col span-7">
    <section class="card">
      <h2>This request</h2>
      <div class="served">
        <div class="big" style="background:${nodeColor(o.nodeName)}">${o.nodeName}</div>
        <div>
          <div class="label">served by</div>
          <div class="who">Hello, ${o.user}</div>
          <div class="muted">Reload: the load balancer may pick another node, and your session comes along.</div>
        </div>
      </div>
      <div class="stats">
        <div class="stat"><b>${clock(signedInAt)}</b><span>signed in</span></div>
        <div class="stat"><b>${minutes(o.idleTimeoutMs)}</b><span>idle timeout</span></div>
        <div class="stat"><b>${minutes(o.absoluteTimeoutMs)}</b><span>max session</span></div>
        <div class="stat"><b id="cart-count">${o.cart.length}</b><span>cart items</span></div>
      </div>
      <div class="path" id="request-path" aria-live="polite"></div>
    </section>
    <section class="card">
      <h2>Last hops of this session</h2>
      ${hopsTable(o.hops)}
    </section>
    <section class="card" id="your-sessions">
      <h2>Your sessions</h2>
      ${sessionsPanel(o.sessions, o.csrfToken, o.maxSessionsPerUser)}
    </section>
  </div>
  <div class="col span-5">
    <section class="card">
      <h2>Cart</h2>
      <ul class="cart" id="cart-list">${cartList(o.cart)}</ul>
      <form class="inline" id="cart-form" action="/api/cart" method="post">
        <input type="text" id="cart-item" name="item" placeholder="Add an item" required maxlength="100" autocomplete="off">
        <button type="submit">Add</button>
      </form>
      <div class="note" id="cart-note" aria-live="polite"></div>
    </section>
    <section class="card">
      <h2>Cluster</h2>
      ${clusterPanel(o.nodes, o.sessionServers)}
    </section>
  </div>
</div>`
  return page({ title: `Dashboard (${o.nodeName})`, nonce: o.nonce, nodeName: o.nodeName, body, headerRight, script: html`${SCRIPT}${LIVE_CLIENT_SCRIPT}${REQUEST_PATH_SCRIPT}` })
}
