import { html, type SafeHtml } from './html.js'
import { page } from './layout.js'

export interface LoginPageOptions {
  readonly nonce: string
  readonly nodeName: string
  readonly csrfToken: string
  /** The node signs cookies with the public demo secret: say so where the user signs in. */
  readonly demoSecret?: boolean
  /** Shown above the form, e.g. "Wrong username or password". */
  readonly message?: string
  /** Refilled after a failed attempt so the user only retypes the password. */
  readonly username?: string
}

export function loginPage (options: LoginPageOptions): SafeHtml {
  const body = html`
<div class="login-wrap">
  ${options.demoSecret === true ? html`<div class="demo-secret" role="alert"><b>Demo mode: not safe for real use.</b> This cluster signs session cookies with the public demo secret, so anyone who can reach it can forge a login. Set <code>SESSION_SECRETS</code> (32+ characters each) on every web node.</div>` : ''}
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
