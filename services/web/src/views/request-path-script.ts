// The dashboard's "This request" path: the load balancer, each attempt on a
// node, the node and its memcached reads and writes, with the time each
// took, drawn from the Server-Timing entries the browser saw for this page
// (the navigation entry) and then for each cart write (the fetch's header).
// The parsing is tracing/request-path.ts itself, its compiled functions
// inlined, so the page and the tests share one implementation.
import { ORDER, parseServerTiming, requestPath, splitOutsideQuotes } from '../tracing/request-path.js'
import { raw, type SafeHtml } from './html.js'

export const REQUEST_PATH_SCRIPT: SafeHtml = raw(`
(function () {
  var ORDER = ${JSON.stringify(ORDER)};
  ${splitOutsideQuotes.toString()}
  ${parseServerTiming.toString()}
  ${requestPath.toString()}
  var box = document.getElementById('request-path');
  if (!box) return;
  function ms (x) { return x >= 10 ? Math.round(x) + ' ms' : x.toFixed(1) + ' ms'; }
  function show (entries, what) {
    var path = requestPath(entries);
    box.replaceChildren();
    if (path.steps.length === 0) {
      box.textContent = 'No timings for ' + what + ' (the browser shows Server-Timing only on https or localhost).';
      return;
    }
    var widest = Math.max.apply(null, path.steps.map(function (s) { return s.durationMs; }).concat([0.001]));
    var caption = document.createElement('div');
    caption.className = 'path-caption';
    caption.textContent = what + ': ' + (path.totalMs === undefined ? '' : ms(path.totalMs) + ' in all') + (path.viaLb ? ', through the load balancer' + (path.attempts > 1 ? ' in ' + path.attempts + ' attempts' : '') : ', straight to the node');
    box.append(caption);
    for (var i = 0; i < path.steps.length; i++) {
      var step = path.steps[i];
      var row = document.createElement('div');
      row.className = 'path-step ' + step.hop + (step.failed ? ' failed' : '');
      row.setAttribute('data-hop', step.hop);
      var label = document.createElement('span');
      label.className = 'path-label';
      label.textContent = step.label + (step.detail && step.hop !== 'attempt' ? ' (' + step.detail + ')' : '') + (step.failed ? ' (' + step.detail.split(' ').slice(1).join(' ') + ')' : '');
      var bar = document.createElement('span');
      bar.className = 'path-bar';
      bar.style.width = Math.max(2, Math.round(100 * step.durationMs / widest)) + '%';
      var time = document.createElement('span');
      time.className = 'path-time';
      time.textContent = ms(step.durationMs);
      row.append(label, bar, time);
      box.append(row);
    }
  }
  var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
  show(nav && nav.serverTiming ? Array.prototype.slice.call(nav.serverTiming) : [], 'this page');
  // cart writes go through fetch: their own header, once answered
  var realFetch = window.fetch;
  window.fetch = function (input, init) {
    return realFetch.apply(this, arguments).then(function (res) {
      var url = typeof input === 'string' ? input : (input && input.url) || '';
      if (url.indexOf('/api/cart') !== -1) show(parseServerTiming(res.headers.get('server-timing') || ''), 'the last cart write');
      return res;
    });
  };
})();
`)
