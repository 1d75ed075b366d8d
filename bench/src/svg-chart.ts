// Hand-written SVG charts from the numbers of one run: grouped bars or lines,
// two or more panels side by side (throughput and p99, say). No dependency,
// no script; the files render in a browser and on GitHub as they are.

export interface Series {
  name: string
  /** One value per category; undefined leaves a gap. */
  values: ReadonlyArray<number | undefined>
}

export interface ChartSpec {
  title: string
  /** x axis labels, in order */
  categories: readonly string[]
  series: readonly Series[]
  yLabel: string
  kind: 'bar' | 'line'
  /** Logarithmic y axis (for values spanning decades). */
  log?: boolean
  xLabel?: string
}

const PALETTE = ['#2f6fdf', '#e0862b', '#3a9e5c', '#9a59c9', '#c8455a', '#6b7a8f']
const PANEL_W = 470
const PANEL_H = 330
const M = { top: 44, right: 16, bottom: 64, left: 64 }

function esc (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function fmt (v: number): string {
  if (v >= 10_000) return `${Math.round(v / 1000)}k`
  if (v >= 1000) return `${(v / 1000).toFixed(1).replace(/\.0$/, '')}k`
  if (v >= 10) return String(Math.round(v))
  if (v >= 1) return v.toFixed(1).replace(/\.0$/, '')
  return v.toPrecision(2)
}

function linearTicks (max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / 5
  const pow = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw)) ?? pow * 10
  const ticks: number[] = []
  for (let t = 0; t <= max + step * 0.999; t += step) ticks.push(t)
  return ticks
}

function logTicks (min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-3)))
  const hi = Math.ceil(Math.log10(Math.max(max, 1e-3)))
  const ticks: number[] = []
  for (let e = lo; e <= Math.max(hi, lo + 1); e++) ticks.push(10 ** e)
  return ticks
}

function panel (spec: ChartSpec, x0: number): string {
  const w = PANEL_W - M.left - M.right
  const h = PANEL_H - M.top - M.bottom
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)))
  const max = Math.max(0, ...values)
  const min = Math.min(...values.filter((v) => v > 0), max)
  const ticks = spec.log === true ? logTicks(min, max) : linearTicks(max)
  const top = ticks[ticks.length - 1] ?? 1
  const bottom = spec.log === true ? (ticks[0] ?? 1) : 0
  const y = (v: number): number => {
    if (spec.log === true) return M.top + h - (Math.log10(Math.max(v, bottom)) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom)) * h
    return M.top + h - (v / top) * h
  }
  const n = spec.categories.length
  const band = w / Math.max(1, n)
  const out: string[] = [`<g transform="translate(${x0},0)">`]
  out.push(`<text x="${PANEL_W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${esc(spec.title)}</text>`)
  for (const t of ticks) {
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`)
    out.push(`<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`)
  }
  out.push(`<text transform="translate(14,${M.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(spec.yLabel)}</text>`)
  out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" stroke="#333"/>`)
  spec.categories.forEach((c, i) => {
    out.push(`<text x="${(M.left + band * (i + 0.5)).toFixed(1)}" y="${M.top + h + 16}" text-anchor="middle" font-size="11">${esc(c)}</text>`)
  })
  if (spec.xLabel !== undefined) out.push(`<text x="${M.left + w / 2}" y="${M.top + h + 32}" text-anchor="middle" font-size="11">${esc(spec.xLabel)}</text>`)
  const k = spec.series.length
  if (spec.kind === 'bar') {
    const bw = band * 0.8 / Math.max(1, k)
    spec.series.forEach((s, si) => {
      s.values.forEach((v, i) => {
        if (v === undefined || !Number.isFinite(v)) return
        const bx = M.left + band * i + band * 0.1 + bw * si
        const by = y(v)
        out.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(M.top + h - by).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${s.name} ${spec.categories[i] ?? ''}: ${fmt(v)}`)}</title></rect>`)
        out.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${(by - 3).toFixed(1)}" text-anchor="middle" font-size="9">${fmt(v)}</text>`)
      })
    })
  } else {
    spec.series.forEach((s, si) => {
      const colour = PALETTE[si % PALETTE.length]
      const points = s.values.map((v, i) => v === undefined || !Number.isFinite(v) ? undefined : [M.left + band * (i + 0.5), y(v)] as const)
      const path = points.filter((p) => p !== undefined).map((p, i) => `${i === 0 ? 'M' : 'L'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ')
      out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`)
      points.forEach((p, i) => {
        if (p === undefined) return
        out.push(`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="${colour}"><title>${esc(`${s.name} ${spec.categories[i] ?? ''}: ${fmt(s.values[i] as number)}`)}</title></circle>`)
      })
    })
  }
  // legend, under the axis
  let lx = M.left
  spec.series.forEach((s, si) => {
    out.push(`<rect x="${lx}" y="${PANEL_H - 18}" width="10" height="10" fill="${PALETTE[si % PALETTE.length]}"/>`)
    out.push(`<text x="${lx + 14}" y="${PANEL_H - 9}" font-size="11">${esc(s.name)}</text>`)
    lx += 24 + s.name.length * 6.2
  })
  out.push('</g>')
  return out.join('\n')
}

/** One SVG document: a title, the panels side by side, and a note line. */
export function renderCharts (title: string, charts: readonly ChartSpec[], note?: string): string {
  const width = PANEL_W * charts.length
  const height = PANEL_H + 40 + (note === undefined ? 0 : 18)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="12" y="22" font-size="16" font-weight="700">${esc(title)}</text>`,
    '<g transform="translate(0,30)">',
    ...charts.map((c, i) => panel(c, i * PANEL_W)),
    '</g>',
    note === undefined ? '' : `<text x="12" y="${height - 8}" font-size="11" fill="#555">${esc(note)}</text>`,
    '</svg>',
    ''
  ].join('\n')
}
