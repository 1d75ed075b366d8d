import { html, type SafeHtml } from './html.js'
import { page } from './layout.js'

export interface LoginPageOptions {
  readonly nonce: string
  readonly nodeName: string
  readonly csrfToken: string
  /** Shown above the form, e.g. "Wrong username or password". */
  readonly message?: string
  /** Refilled after a failed attempt so the user only retypes the password. */
  readonly username?: string
}

export function loginPage (options: LoginPageOptions): SafeHtml {
  const body = html`
<div class="login-wrap">
  <div class="card">
    <h1>Sign in</h1>
    <p class="muted">Your session follows you to whichever node answers.</p>
    ${options.message !== undefined ? html`<div class="alert" role="alert">${options.message}</div>` : ''}
    <form method="post" action="/login" autocomplete="on">
      <input type="hidden" name="_csrf" value="${options.csrfToken}">
      <label for="username">Username</label>
      <input type="text" id="username" name="username" value="${options.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" autofocus>
      <label for="password">Password</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
      <button type="submit">Sign in</button>
    </form>
    <p class="hint">Demo accounts<br><code>alice</code> / <code>wonderland</code> &nbsp;·&nbsp; <code>bob</code> / <code>builder</code></p>
  </div>
</div>`
  return page({ title: 'Sign in', nonce: options.nonce, nodeName: options.nodeName, body })
}
