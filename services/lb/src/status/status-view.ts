import type { StatusReport } from './status-report.js'

/** The parts of the status page that change, as HTML, each the content of the element with that id. */
export interface StatusView {
  readonly updated: string
  readonly totals: string
  readonly rows: string
  readonly charts: string
  readonly events: string
}

/**
 * Renders the live parts of the status page from a report. The server calls
 * it for the first paint, so the page shows every node, its state and the
 * recent events with JavaScript off; the page's script runs the very same
 * function (its source, `renderStatus.toString()`, is inlined in the page) on
 * each status.json it polls. So it must stay self-contained: no imports, no
 * module-level helpers, nothing but string building (no DOM, no Node).
 */
export function renderStatus (report: StatusReport): StatusView {
  type Upstream = StatusReport['upstreams'][number]
  const nowMs = Date.parse(report.generatedAt)
  const intervalMs = report.history.intervalMs
  const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
  const esc = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => escapes[c] ?? c)
  const ms = (value: number | null): string => value === null ? '&ndash;' : `${value.toFixed(1)} ms`
  const clock = (iso: string): string => iso.slice(11, 19)
  const ago = (iso: string): string => {
    const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000))
    return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`
  }
  const pill = (state: string): string => `<span class="pill ${esc(state)}">${esc(state)}</span>`
  const card = (label: string, value: unknown): string => `<div class="card"><b>${esc(value)}</b><span>${esc(label)}</span></div>`
  const niceMax = (value: number): number => {
    if (!(value > 0)) return 1
    const power = 10 ** Math.floor(Math.log10(value))
    for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power
    return 10 * power
  }
  const short = (value: number): string => value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(0) : String(Number(value.toPrecision(2)))
  const eventLabels: Record<string, string> = {
    added: 'added',
    removed: 'removed',
    ejected: 'ejected',
    draining: 'draining',
    unhealthy: 'unhealthy',
    healthy: 'back in rotation',
    retry: 'retry'
  }

  const t = report.totals
  const upstreams = report.upstreams
  const inRotation = upstreams.filter((u) => u.inRotation).length
  const totals = card('in rotation', `${inRotation} / ${upstreams.length}`) + card('requests', t.requests) + card('in flight', t.inFlight) +
    card('WebSockets', t.upgradedSockets) + card('retries', t.retries) + card('LB errors', t.lbErrors) + card('no healthy backend', t.noHealthyBackend) + card('uptime', `${report.uptimeSeconds} s`) +
    // With LB_WORKERS > 1 every figure above is the sum of the workers'; say how many.
    (report.workers !== undefined && report.workers.some((w) => w.id !== 0) ? card('workers', report.workers.length) : '')

  const rows = upstreams.map((u) => {
    const check = u.lastCheck === null ? '&ndash;' : `${esc(u.lastCheck.result)}, ${ago(u.lastCheck.at)}`
    return `<tr data-node="${esc(u.name)}" data-state="${esc(u.state)}"><td><b>${esc(u.name)}</b></td><td class="url">${esc(u.url)}</td>` +
      `<td>${pill(u.state)}</td><td>${u.inFlight}</td><td>${u.upgradedSockets}</td><td>${u.requests}</td><td>${u.errors}</td><td>${u.retries}</td><td>${u.ejections}</td>` +
      `<td>${ms(u.p50Ms)}</td><td>${ms(u.p99Ms)}</td><td>${check}</td></tr>`
  }).join('') || '<tr><td colspan="12">no upstreams resolved yet</td></tr>'

  // One time axis and one pair of scales for every chart, so a dip on one
  // node reads against the others at a glance.
  let firstAt = nowMs
  let maxRate = 0
  const p99s: number[] = []
  for (const u of upstreams) {
    const h = u.history
    if (h.at.length > 0) firstAt = Math.min(firstAt, h.at[0]! - intervalMs)
    for (const rate of h.requestsPerSecond) maxRate = Math.max(maxRate, rate)
    for (const p99 of h.p99Ms) if (p99 !== null) p99s.push(p99)
  }
  const spanMs = Math.max(60_000, nowMs - firstAt)
  const startMs = nowMs - spanMs
  const rateTop = niceMax(maxRate)
  // The p99 scale fits the bulk of the samples, not one cold start's spike,
  // which then runs along the top instead of flattening everything else.
  p99s.sort((a, b) => a - b)
  const p99Top = niceMax(p99s.length === 0 ? 0 : Math.min(p99s[p99s.length - 1]!, 1.5 * p99s[Math.floor(0.95 * (p99s.length - 1))]!))
  const W = 360
  const H = 150
  const left = 34
  const right = 34
  const top = 16
  const bottom = 20
  const plotW = W - left - right
  const plotH = H - top - bottom
  const x = (atMs: number): number => left + Math.max(0, Math.min(1, (atMs - startMs) / spanMs)) * plotW
  const yRate = (rate: number): number => top + plotH - Math.min(1, rate / rateTop) * plotH
  const yP99 = (p99: number): number => top + plotH - Math.min(1, p99 / p99Top) * plotH
  const px = (value: number): string => value.toFixed(1)
  const spanLabel = spanMs >= 120_000 ? `${Math.round(spanMs / 60_000)} min ago` : `${Math.round(spanMs / 1000)} s ago`

  const chart = (u: Upstream): string => {
    const h = u.history
    const parts: string[] = []
    // Out of rotation: a band per run of samples in the same state.
    let run: { state: string, from: number, to: number } | undefined
    const flush = (): void => {
      if (run !== undefined) parts.push(`<rect class="band ${esc(run.state)}" x="${px(x(run.from))}" y="${top}" width="${px(Math.max(1, x(run.to) - x(run.from)))}" height="${plotH}"><title>${esc(run.state)}</title></rect>`)
      run = undefined
    }
    for (let i = 0; i < h.at.length; i++) {
      const state = h.state[i]!
      const at = h.at[i]!
      if (state === 'healthy') { flush(); continue }
      if (run !== undefined && run.state === state) run.to = at
      else { flush(); run = { state, from: at - intervalMs, to: at } }
    }
    flush()
    // Grid: the top and middle of the scale.
    parts.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${top}" y2="${top}"/><line class="grid" x1="${left}" x2="${W - right}" y1="${top + plotH / 2}" y2="${top + plotH / 2}"/><line class="axis" x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}"/>`)
    if (h.at.length > 0) {
      // Requests per second: a filled area.
      let area = `M${px(x(h.at[0]!))},${px(yRate(0))}`
      let line = ''
      for (let i = 0; i < h.at.length; i++) {
        const point = `${px(x(h.at[i]!))},${px(yRate(h.requestsPerSecond[i]!))}`
        area += `L${point}`
        line += `${i === 0 ? 'M' : 'L'}${point}`
      }
      area += `L${px(x(h.at[h.at.length - 1]!))},${px(yRate(0))}Z`
      parts.push(`<path class="rate-area" d="${area}"/><path class="rate" d="${line}"/>`)
      // p99: a line, broken where nothing was answered.
      let p99 = ''
      let pen = 'M'
      for (let i = 0; i < h.at.length; i++) {
        const value = h.p99Ms[i]
        if (value === null || value === undefined) { pen = 'M'; continue }
        p99 += `${pen}${px(x(h.at[i]!))},${px(yP99(value))}`
        pen = 'L'
      }
      if (p99 !== '') parts.push(`<path class="p99" d="${p99}"/>`)
      // Errors: a red tick under each interval that had any.
      for (let i = 0; i < h.at.length; i++) {
        const errors = h.errors[i]!
        if (errors > 0) parts.push(`<rect class="err" x="${px(x(h.at[i]! - intervalMs))}" y="${top + plotH - 5}" width="${px(Math.max(1.5, plotW * intervalMs / spanMs))}" height="5"><title>${errors} errors</title></rect>`)
      }
    }
    // Health events of this node: a marker at their time, labelled unless crowded.
    let lastLabelX = -Infinity
    for (const event of [...report.events].reverse()) {
      if (event.upstreamId !== u.id || event.kind === 'retry' || event.kind === 'added' || event.kind === 'removed') continue
      const at = Date.parse(event.at)
      if (at < startMs) continue
      const ex = x(at)
      const label = eventLabels[event.kind] ?? event.kind
      parts.push(`<line class="mark ${esc(event.kind)}" x1="${px(ex)}" x2="${px(ex)}" y1="${top - 2}" y2="${top + plotH}"><title>${esc(clock(event.at))} ${esc(label)}: ${esc(event.reason)}</title></line>`)
      if (ex - lastLabelX > 60) {
        const anchor = ex > W - right - 50 ? 'end' : 'start'
        parts.push(`<text class="mark-label ${esc(event.kind)}" x="${px(anchor === 'end' ? ex - 3 : ex + 3)}" y="${top + 9}" text-anchor="${anchor}">${esc(label)}</text>`)
        lastLabelX = ex
      }
    }
    // Scales and time labels.
    parts.push(`<text class="scale rate-text" x="${left - 4}" y="${top + 4}" text-anchor="end">${short(rateTop)}</text><text class="scale rate-text" x="${left - 4}" y="${top + plotH + 4}" text-anchor="end">0</text>`)
    parts.push(`<text class="scale p99-text" x="${W - right + 4}" y="${top + 4}">${short(p99Top)}</text><text class="scale p99-text" x="${W - right + 4}" y="${top + plotH + 4}">0</text>`)
    parts.push(`<text class="scale" x="${left}" y="${H - 5}">${esc(spanLabel)}</text><text class="scale" x="${W - right}" y="${H - 5}" text-anchor="end">now</text>`)
    const last = h.at.length - 1
    const rateNow = last >= 0 ? `${h.requestsPerSecond[last]} req/s` : 'no samples yet'
    const p99Now = last >= 0 && h.p99Ms[last] !== null ? `p99 ${h.p99Ms[last]} ms` : 'p99 &ndash;'
    return `<section class="node" data-node="${esc(u.name)}" data-state="${esc(u.state)}">` +
      `<header><b>${esc(u.name)}</b> ${pill(u.state)} <span class="now"><span class="rate-text">${rateNow}</span> &middot; <span class="p99-text">${p99Now}</span></span></header>` +
      `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(u.name)}: requests per second and p99 latency over the last ${esc(spanLabel.replace(' ago', ''))}">${parts.join('')}</svg></section>`
  }
  const charts = upstreams.map(chart).join('') || '<p class="muted">no upstreams resolved yet</p>'

  const shown = report.events.slice(0, 40)
  const events = shown.map((event) => {
    const label = event.kind === 'retry' && event.count > 1 ? `retry &times;${event.count}` : esc(eventLabels[event.kind] ?? event.kind)
    const until = event.count > 1 ? ` to ${esc(clock(event.lastAt))}` : ''
    return `<tr class="event ${esc(event.kind)}" data-node="${esc(event.upstream)}" data-kind="${esc(event.kind)}" data-at="${esc(event.at)}"><td>${esc(clock(event.at))}${until} <span class="muted">(${ago(event.at)})</span></td>` +
      `<td><b>${esc(event.upstream)}</b></td><td><span class="kind ${esc(event.kind)}">${label}</span></td><td class="reason">${esc(event.reason)}</td></tr>`
  }).join('') + (report.events.length > shown.length ? `<tr><td colspan="4" class="muted">${report.events.length - shown.length} older events in status.json</td></tr>` : '') ||
    '<tr><td colspan="4" class="muted">nothing has happened yet</td></tr>'

  return { updated: `updated ${esc(clock(report.generatedAt))} UTC`, totals, rows, charts, events }
}
