import { html, type SafeHtml } from './html.js'
import { page } from './layout.js'

export interface ErrorPageOptions {
  readonly nonce: string
  readonly nodeName: string
  readonly statusCode: number
  readonly title: string
  readonly message: string
  readonly code: string
}

export function errorPage (options: ErrorPageOptions): SafeHtml {
  const body = html`
<div class="login-wrap">
  <div class="card">
    <h1>${options.statusCode} · ${options.title}</h1>
    <p>${options.message}</p>
    <p class="muted"><code>${options.code}</code></p>
    <p><a href="/">Back to the dashboard</a> · <a href="/login">Sign in</a></p>
  </div>
</div>`
  return page({ title: options.title, nonce: options.nonce, nodeName: options.nodeName, body })
}
