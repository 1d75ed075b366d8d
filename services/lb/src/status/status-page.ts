import type { StatusReport } from './status-report.js'
import { renderStatus } from './status-view.js'

/**
 * GET /status: one self-contained page (no external assets, the admin port
 * may have no internet). The server renders it whole from `report`, so the
 * nodes, their states, the charts and the recent events show with
 * JavaScript off (the page then reloads itself every 5 s); with JavaScript,
 * a script polls /status.json every `refreshMs` and redraws the same parts
 * with the same renderer.
 */
export function statusPage (report: StatusReport, refreshMs = 1000): string {
  const view = renderStatus(report)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="5"></noscript>
<title>stickless LB status</title>
<style>
  :root { color-scheme: light dark; --ok: #1a7f37; --warn: #bf8700; --bad: #cf222e; --muted: #6e7781; --line: #d0d7de88; --rate: #0969da; --p99: #e16f24; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 76rem; padding: 0 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
  .sub, .muted { color: var(--muted); }
  .sub { margin-bottom: 1rem; }
  .cards { display: flex; gap: .75rem; flex-wrap: wrap; margin-bottom: 1rem; }
  .card { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .9rem; min-width: 7rem; }
  .card b { display: block; font-size: 1.3rem; font-variant-numeric: tabular-nums; }
  .card span { color: var(--muted); font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: right; padding: .35rem .6rem; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; }
  #nodes th:nth-child(-n+3), #nodes td:nth-child(-n+3) { text-align: left; }
  #timeline th, #timeline td { text-align: left; }
  #timeline td.reason { white-space: normal; width: 100%; }
  .pill { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; color: #fff; }
  .pill.healthy { background: var(--ok); } .pill.draining, .pill.ejected { background: var(--warn); } .pill.unhealthy { background: var(--bad); }
  .url { color: var(--muted); }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(21rem, 1fr)); gap: .75rem; }
  .node { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .6rem .2rem; }
  .node header { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
  .node .now { margin-left: auto; font-size: .85rem; font-variant-numeric: tabular-nums; }
  .node svg { display: block; width: 100%; height: auto; margin-top: .25rem; }
  svg .grid { stroke: var(--line); stroke-dasharray: 3 3; }
  svg .axis { stroke: var(--muted); stroke-width: .6; }
  svg .rate-area { fill: var(--rate); fill-opacity: .18; stroke: none; }
  svg .rate { fill: none; stroke: var(--rate); stroke-width: 1.5; stroke-linejoin: round; }
  svg .p99 { fill: none; stroke: var(--p99); stroke-width: 1.3; stroke-linejoin: round; }
  svg .band { fill-opacity: .16; }
  svg .band.ejected, svg .band.draining { fill: var(--warn); }
  svg .band.unhealthy { fill: var(--bad); }
  svg .err { fill: var(--bad); }
  svg .mark { stroke-width: 1.2; stroke-dasharray: 2 2; }
  svg .mark.ejected, svg .mark.draining { stroke: var(--warn); } svg .mark.unhealthy { stroke: var(--bad); } svg .mark.healthy { stroke: var(--ok); }
  svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
  svg .mark-label { font-weight: 600; }
  svg .mark-label.ejected, svg .mark-label.draining { fill: var(--warn); } svg .mark-label.unhealthy { fill: var(--bad); } svg .mark-label.healthy { fill: var(--ok); }
  .rate-text { color: var(--rate); } svg .rate-text { fill: var(--rate); }
  .p99-text { color: var(--p99); } svg .p99-text { fill: var(--p99); }
  .legend { font-size: .8rem; color: var(--muted); margin: .4rem 0 0; }
  .legend i { display: inline-block; width: .8rem; height: .25rem; vertical-align: middle; margin: 0 .25rem 0 .6rem; }
  .kind { font-weight: 600; }
  .kind.ejected, .kind.draining { color: var(--warn); } .kind.unhealthy { color: var(--bad); } .kind.healthy { color: var(--ok); } .kind.retry { color: var(--p99); }
  #error { color: var(--bad); min-height: 1.2rem; }
</style>
</head>
<body>
<h1>stickless load balancer</h1>
<div class="sub">Live from <a href="status.json">status.json</a>, refreshed every ${refreshMs / 1000} s &middot; <span id="updated">${view.updated}</span> <span id="error"></span></div>
<noscript><p class="muted">JavaScript is off: this page is rendered by the server and reloads every 5 s.</p></noscript>
<div class="cards" id="totals">${view.totals}</div>
<table id="nodes">
  <thead><tr><th>Node</th><th>Address</th><th>State</th><th>In flight</th><th>WebSockets</th><th>Requests</th><th>Errors</th><th>Retries</th><th>Ejections</th><th>p50</th><th>p99</th><th>Last check</th></tr></thead>
  <tbody id="rows">${view.rows}</tbody>
</table>
<h2>Traffic per node <span class="muted">(one sample every ${report.history.intervalMs / 1000} s, the last ${Math.round(report.history.samples * report.history.intervalMs / 60_000)} min)</span></h2>
<div class="charts" id="charts">${view.charts}</div>
<p class="legend"><i style="background: var(--rate)"></i>requests per second (left scale) <i style="background: var(--p99)"></i>p99 latency, ms (right scale) <i style="background: var(--bad)"></i>errors <i style="background: var(--warn); opacity: .5"></i>ejected or draining <i style="background: var(--bad); opacity: .4"></i>unhealthy</p>
<h2>Events <span class="muted">(newest first, times in UTC)</span></h2>
<table id="timeline">
  <thead><tr><th>Time</th><th>Node</th><th>Event</th><th>Reason</th></tr></thead>
  <tbody id="events">${view.events}</tbody>
</table>
<script>
(function () {
  var renderStatus = ${renderStatus.toString().replace(/<\/script/gi, '<\\/script')};
  function draw (report) {
    var view = renderStatus(report);
    for (var id in view) {
      var element = document.getElementById(id);
      if (element !== null) element.innerHTML = view[id];
    }
    document.getElementById('error').textContent = '';
  }
  function poll () {
    fetch('status.json', { cache: 'no-store' })
      .then(function (response) { if (!response.ok) throw new Error('HTTP ' + response.status); return response.json(); })
      .then(draw)
      .catch(function (error) { document.getElementById('error').textContent = 'Cannot reach the LB admin server: ' + error.message; })
      .then(function () { setTimeout(poll, ${refreshMs}); });
  }
  // The first paint came with the page.
  setTimeout(poll, ${refreshMs});
})();
</script>
</body>
</html>
`
}
