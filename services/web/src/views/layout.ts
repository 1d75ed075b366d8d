// The page shell shared by every HTML view: inline CSS (no framework, system
// fonts) allowed by a per-response CSP nonce.
import { html, raw, type SafeHtml } from './html.js'
import { nodeColor } from './node-colors.js'

export interface PageOptions {
  readonly title: string
  readonly nonce: string
  readonly nodeName: string
  readonly body: SafeHtml
  /** Extra markup for the header's right side (e.g. the logout form). */
  readonly headerRight?: SafeHtml
  readonly script?: SafeHtml
}

const STYLE = `
:root {
  --bg: #f3f5fa; --card: #ffffff; --ink: #1b2333; --muted: #667085; --line: #e4e8f0;
  --accent: #3b5bdb; --danger: #c92a2a; --ok: #2b8a3e; --warn: #e67700;
  --radius: 14px; --shadow: 0 1px 2px rgba(16,24,40,.06), 0 4px 16px rgba(16,24,40,.06);
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
header.top {
  display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 14px 28px; background: var(--card); border-bottom: 1px solid var(--line);
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 700; font-size: 18px; letter-spacing: -.01em; }
.brand .logo { width: 26px; height: 26px; border-radius: 8px; background: linear-gradient(135deg, #2563eb, #16a34a 55%, #ea580c); }
.brand small { font-weight: 500; color: var(--muted); font-size: 13px; }
.top-right { display: flex; align-items: center; gap: 14px; color: var(--muted); }
main { max-width: 1080px; margin: 28px auto; padding: 0 24px; }
.grid { display: grid; grid-template-columns: repeat(12, 1fr); gap: 20px; align-items: start; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); padding: 20px 22px; }
.col { display: flex; flex-direction: column; gap: 20px; min-width: 0; }
.span-12 { grid-column: span 12; } .span-7 { grid-column: span 7; } .span-5 { grid-column: span 5; }
.span-6 { grid-column: span 6; } .span-4 { grid-column: span 4; } .span-8 { grid-column: span 8; }
@media (max-width: 860px) { .span-7, .span-5, .span-6, .span-4, .span-8 { grid-column: span 12; } }
h1, h2, h3 { margin: 0 0 12px; letter-spacing: -.01em; }
h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 650; }
.muted { color: var(--muted); }
.badge {
  display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px;
  color: #fff; font-weight: 650; font-size: 13px; white-space: nowrap;
}
.served { display: flex; align-items: center; gap: 22px; }
.served .big {
  font-size: 40px; font-weight: 800; color: #fff; padding: 12px 26px; border-radius: 16px; letter-spacing: -.02em;
  white-space: nowrap;
  box-shadow: inset 0 -3px 0 rgba(0,0,0,.15);
}
.served .label { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-weight: 650; }
.served .who { font-size: 20px; font-weight: 650; }
.stats { display: flex; gap: 28px; margin-top: 14px; flex-wrap: wrap; }
.stat b { display: block; font-size: 20px; }
.stat span { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); font-size: 14px; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
tr:last-child td { border-bottom: 0; }
tr.current td { background: #f6f8ff; }
ul.cart { list-style: none; margin: 0 0 14px; padding: 0; max-height: 260px; overflow: auto; }
ul.cart li { padding: 7px 10px; border: 1px solid var(--line); border-radius: 10px; margin-bottom: 6px; word-break: break-word; }
ul.cart li.empty { color: var(--muted); border-style: dashed; }
form.inline { display: flex; gap: 8px; }
input[type=text], input[type=password] {
  width: 100%; padding: 10px 12px; border: 1px solid #cfd6e4; border-radius: 10px; font: inherit; background: #fff;
}
input:focus { outline: 2px solid #b4c6fc; border-color: var(--accent); }
button {
  font: inherit; font-weight: 650; padding: 9px 16px; border-radius: 10px; border: 1px solid transparent;
  background: var(--accent); color: #fff; cursor: pointer; white-space: nowrap;
}
button:hover { filter: brightness(1.07); }
button.ghost { background: transparent; color: var(--ink); border-color: var(--line); }
.dot { width: 9px; height: 9px; border-radius: 50%; display: inline-block; margin-right: 7px; vertical-align: 1px; }
.dot.up { background: var(--ok); } .dot.down { background: var(--danger); }
.dot.recovering, .dot.draining { background: var(--warn); } .dot.unknown { background: #98a2b3; }
ul.status { list-style: none; margin: 0 0 14px; padding: 0; }
ul.status li { display: flex; justify-content: space-between; padding: 6px 0; border-bottom: 1px solid var(--line); font-size: 14px; }
ul.status li:last-child { border-bottom: 0; }
.note { font-size: 13px; color: var(--muted); margin-top: 8px; min-height: 1.5em; }
.note.error { color: var(--danger); }
.login-wrap { max-width: 400px; margin: 64px auto; }
.login-wrap label { display: block; font-weight: 600; font-size: 14px; margin: 14px 0 6px; }
.login-wrap button { width: 100%; margin-top: 20px; padding: 11px; }
.alert { padding: 10px 12px; border-radius: 10px; background: #fff5f5; color: var(--danger); border: 1px solid #ffc9c9; margin-bottom: 6px; font-size: 14px; }
.this-browser { display: inline-block; margin-left: 6px; padding: 0 8px; border-radius: 999px; background: #e7f5ff; color: #1864ab; font-size: 12px; font-weight: 650; }
form.everywhere { display: flex; align-items: center; gap: 12px; margin-top: 14px; flex-wrap: wrap; }
form.everywhere .muted { font-size: 13px; }
button.danger { background: var(--danger); }
button.small { padding: 3px 10px; font-size: 12px; }
form.revoke { margin: 0; }
.path { margin-top: 16px; font-size: 13px; }
.path-caption { color: var(--muted); margin-bottom: 6px; }
.path-step { display: grid; grid-template-columns: minmax(150px, 40%) 1fr 64px; gap: 10px; align-items: center; padding: 2px 0; }
.path-bar { height: 8px; border-radius: 4px; background: var(--accent); }
.path-step.node .path-bar { background: var(--ok); }
.path-step.store-read .path-bar, .path-step.store-write .path-bar { background: var(--warn); }
.path-step.failed .path-bar { background: var(--danger); }
.path-step.attempt .path-label, .path-step.store-read .path-label, .path-step.store-write .path-label { padding-left: 12px; }
.path-time { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; }
#live-status { font-size: 12px; padding: 2px 10px; border-radius: 999px; background: #eef1f7; color: var(--muted); }
#live-status[data-state="open"] { background: #ebfbee; color: #2b8a3e; }
#live-status[data-state="closed"] { background: #fff4e6; color: #8a3c00; }
.demo-secret { padding: 12px 14px; border-radius: 12px; background: #fff4e6; color: #8a3c00; border: 1px solid #ffc078; margin-bottom: 16px; font-size: 14px; }
.hint { font-size: 13px; color: var(--muted); margin-top: 16px; text-align: center; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; background: #eef1f7; padding: 1px 5px; border-radius: 5px; }
footer { text-align: center; color: var(--muted); font-size: 12px; margin: 10px 0 30px; }
`

export function nodeBadge (nodeName: string, className = 'badge'): SafeHtml {
  return html`<span class="${className}" style="background:${nodeColor(nodeName)}">${nodeName}</span>`
}

export function page (options: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · stickless</title>
<style nonce="${options.nonce}">${raw(STYLE)}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo"></span>stickless <small>shared sessions, no sticky routing</small></div>
  <div class="top-right">${options.headerRight ?? ''}<span>served by</span> ${nodeBadge(options.nodeName)}</div>
</header>
<main>
${options.body}
</main>
<footer>answered by ${options.nodeName} · sessions live in replicated memcached</footer>
${options.script !== undefined ? html`<script nonce="${options.nonce}">${options.script}</script>` : ''}
</body>
</html>
`
}
