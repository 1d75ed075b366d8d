/**
 * GET /status: one self-contained page (no external assets, the admin port
 * may have no internet) that polls /status.json every `refreshMs` and redraws.
 */
export function statusPage (refreshMs = 1000): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stickless LB status</title>
<style>
  :root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --muted: #6e7781; --line: #d0d7de55; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .sub { color: var(--muted); margin-bottom: 1.5rem; }
  .cards { display: flex; gap: .75rem; flex-wrap: wrap; margin-bottom: 1.5rem; }
  .card { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem 1rem; min-width: 8rem; }
  .card b { display: block; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
  .card span { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: right; padding: .45rem .6rem; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; }
  th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
  .pill { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; color: #fff; }
  .healthy { background: var(--ok); } .draining, .ejected { background: var(--warn); } .unhealthy { background: var(--bad); }
  .url { color: var(--muted); }
  #error { color: var(--bad); min-height: 1.2rem; }
</style>
</head>
<body>
<h1>stickless load balancer</h1>
<div class="sub">Live from <a href="status.json">status.json</a>, refreshed every ${refreshMs / 1000} s &middot; <span id="updated">loading&hellip;</span></div>
<div class="cards" id="totals"></div>
<table>
  <thead><tr><th>Node</th><th>Address</th><th>State</th><th>In flight</th><th>Requests</th><th>Errors</th><th>Retries</th><th>Ejections</th><th>p50</th><th>p99</th><th>Last check</th></tr></thead>
  <tbody id="rows"><tr><td colspan="11">loading&hellip;</td></tr></tbody>
</table>
<p id="error"></p>
<noscript>This page needs JavaScript; the same data is at <a href="status.json">status.json</a>.</noscript>
<script>
(function () {
  var escapeMap = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc (value) { return String(value).replace(/[&<>"']/g, function (c) { return escapeMap[c]; }); }
  function ms (value) { return value === null ? '&ndash;' : value.toFixed(1) + ' ms'; }
  function ago (iso) {
    if (iso === null) return '&ndash;';
    var seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return seconds + ' s ago';
  }
  function card (label, value) { return '<div class="card"><b>' + esc(value) + '</b><span>' + esc(label) + '</span></div>'; }
  function draw (report) {
    var t = report.totals;
    var inRotation = report.upstreams.filter(function (u) { return u.inRotation; }).length;
    document.getElementById('totals').innerHTML =
      card('in rotation', inRotation + ' / ' + report.upstreams.length) + card('requests', t.requests) + card('in flight', t.inFlight) +
      card('retries', t.retries) + card('LB errors', t.lbErrors) + card('no healthy backend', t.noHealthyBackend) + card('uptime', report.uptimeSeconds + ' s');
    document.getElementById('rows').innerHTML = report.upstreams.map(function (u) {
      var check = u.lastCheck === null ? '&ndash;' : esc(u.lastCheck.result) + ', ' + ago(u.lastCheck.at);
      return '<tr><td><b>' + esc(u.name) + '</b></td><td class="url">' + esc(u.url) + '</td>' +
        '<td><span class="pill ' + esc(u.state) + '">' + esc(u.state) + '</span></td>' +
        '<td>' + u.inFlight + '</td><td>' + u.requests + '</td><td>' + u.errors + '</td><td>' + u.retries + '</td><td>' + u.ejections + '</td>' +
        '<td>' + ms(u.p50Ms) + '</td><td>' + ms(u.p99Ms) + '</td><td>' + check + '</td></tr>';
    }).join('') || '<tr><td colspan="11">no upstreams resolved yet</td></tr>';
    document.getElementById('updated').textContent = 'updated ' + new Date(report.generatedAt).toLocaleTimeString();
    document.getElementById('error').textContent = '';
  }
  function poll () {
    fetch('status.json', { cache: 'no-store' })
      .then(function (response) { if (!response.ok) throw new Error('HTTP ' + response.status); return response.json(); })
      .then(draw)
      .catch(function (error) { document.getElementById('error').textContent = 'Cannot reach the LB admin server: ' + error.message; })
      .then(function () { setTimeout(poll, ${refreshMs}); });
  }
  poll();
})();
</script>
</body>
</html>
`
}
