// The dashboard's live-channel client (docs/live-channel.md): a trusted,
// constant script that runs under the page's CSP nonce. It keeps the cart,
// "Your sessions" and the cluster panel in sync from the node's pushes,
// without ever reloading the page; a 4001 sends the browser to /login, any
// other close reconnects through the LB with exponential backoff and full
// jitter (250 ms doubling to 5 s). A reconnect that fails before any hello
// asks /api/session whether the user is still signed in.
import { raw, type SafeHtml } from './html.js'

export const LIVE_CLIENT_SCRIPT: SafeHtml = raw(`
(function () {
  var status = document.getElementById('live-status');
  if (!status || !('WebSocket' in window)) return;
  var BASE_MS = 250, MAX_MS = 5000;
  var failures = 0;
  function csrfToken () {
    var input = document.querySelector('input[name="_csrf"]');
    return input ? input.value : '';
  }
  function setState (state, node) {
    status.setAttribute('data-state', state);
    if (node) status.setAttribute('data-node', node);
    var shown = status.getAttribute('data-node');
    status.textContent = state === 'open' ? 'live via ' + shown : state === 'connecting' ? 'live: connecting' : 'live: offline';
  }
  function el (tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function when (iso) {
    var d = new Date(iso);
    var t = el('time', '', isNaN(d) ? iso : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
    t.setAttribute('datetime', iso);
    return t;
  }
  function renderCart (cart) {
    var list = document.getElementById('cart-list');
    var count = document.getElementById('cart-count');
    if (!list || !count) return;
    list.replaceChildren();
    if (cart.length === 0) list.append(el('li', 'empty', 'Your cart is empty'));
    cart.forEach(function (item) { list.append(el('li', '', item)); });
    list.scrollTop = list.scrollHeight;
    count.textContent = String(cart.length);
  }
  function renderSessions (sessions) {
    var body = document.getElementById('sessions-body');
    if (!body) return;
    var rows = sessions.map(function (s) {
      var tr = el('tr', s.current ? 'current' : '');
      var agent = el('td', '', s.userAgent);
      if (s.current) agent.append(' ', el('span', 'this-browser', 'this browser'));
      var last = el('td');
      last.append(when(s.lastSeenAt), ' ', el('span', 'badge', s.node));
      var action = el('td');
      var form = el('form', 'revoke');
      form.method = 'post';
      form.action = '/sessions/' + encodeURIComponent(s.handle) + '/logout';
      var token = el('input');
      token.type = 'hidden'; token.name = '_csrf'; token.value = csrfToken();
      var button = el('button', 'ghost small', 'Sign out');
      button.type = 'submit';
      form.append(token, button);
      action.append(form);
      var created = el('td');
      created.append(when(s.createdAt));
      tr.append(agent, created, last, action);
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }
  function renderNodes (m) {
    var web = document.getElementById('cluster-web');
    var servers = document.getElementById('cluster-memcached');
    function item (name, state) {
      var li = el('li');
      var right = el('span');
      right.append(el('span', 'dot ' + state), state);
      li.append(el('span', '', name), right);
      return li;
    }
    if (web) {
      web.replaceChildren();
      if (m.reachable) {
        var ul = el('ul', 'status');
        m.nodes.forEach(function (n) { ul.append(item(n.name, n.state)); });
        web.append(ul);
      } else {
        web.append(el('p', 'muted', 'Load balancer status unavailable' + (m.error ? ' (' + m.error + ')' : '') + '.'));
      }
    }
    if (servers) {
      var list = el('ul', 'status');
      m.sessionServers.forEach(function (s) { list.append(item(s.id, s.state)); });
      servers.replaceChildren(list);
    }
  }
  function stillSignedIn () {
    return fetch('/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.status !== 401; }, function () { return true; });
  }
  function connect () {
    setState('connecting');
    var helloSeen = false;
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/live');
    ws.onmessage = function (event) {
      var m;
      try { m = JSON.parse(event.data); } catch (err) { return; }
      if (m.type === 'hello') { helloSeen = true; failures = 0; setState('open', m.node); }
      else if (m.type === 'cart') renderCart(m.cart);
      else if (m.type === 'sessions') renderSessions(m.sessions);
      else if (m.type === 'nodes') renderNodes(m);
    };
    ws.onclose = function (event) {
      setState('closed');
      if (event.code === 4001) { location.assign('/login'); return; }
      failures++;
      // full jitter: anywhere from 0 to the capped exponential step
      var delay = Math.random() * Math.min(MAX_MS, BASE_MS * Math.pow(2, failures - 1));
      var check = helloSeen ? Promise.resolve(true) : stillSignedIn();
      check.then(function (signedIn) {
        if (!signedIn) { location.assign('/login'); return; }
        setTimeout(connect, delay);
      });
    };
  }
  connect();
})();
`)
