// The HTML sign-in: GET /login needs no session (it must render while
// memcached is down), POST /login lives with the session routes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { isHttps } from '../session-cookie.js'
import { loginPage } from '../views/login-page.js'
import { sendHtml } from '../views/send-html.js'
import { requireForm } from '../content-type-guards.js'
import { parseLoginInput, type LoginInput } from '../auth/login-input.js'
import { attemptLogin } from '../auth/login-flow.js'

interface LoginView {
  readonly nodeName: string
  readonly demoSecret: boolean
}

function renderLogin (request: FastifyRequest, reply: FastifyReply, view: LoginView, statusCode: number, message?: string, username?: string): FastifyReply {
  // The CSRF secret lives in its own signed cookie, not in a session: a
  // visitor who has not signed in leaves nothing in memcached.
  const csrfToken = reply.generateCsrf({ secure: isHttps(request) })
  return sendHtml(reply, statusCode, (nonce) => loginPage({ nonce, nodeName: view.nodeName, demoSecret: view.demoSecret, csrfToken, message, username }))
}

function loginView (deps: RouteDependencies): LoginView {
  return { nodeName: deps.config.nodeName, demoSecret: deps.config.usingDevSecret }
}

/** GET /login: registered outside the session context. */
export async function loginFormRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const view = loginView(deps)
  app.get('/login', function showLoginForm (request: FastifyRequest, reply: FastifyReply) {
    return renderLogin(request, reply, view, 200)
  })
}

/** POST /login: registered inside the session context. */
export async function loginSubmitRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const view = loginView(deps)
  app.post('/login', {
    preValidation: requireForm,
    preHandler: app.csrfProtection.bind(app)
  }, async function submitLoginForm (request: FastifyRequest, reply: FastifyReply) {
    let input: LoginInput
    try {
      input = parseLoginInput(request.body)
    } catch {
      deps.metrics.loginAttempts.inc({ outcome: 'invalid' })
      return renderLogin(request, reply, view, 400, 'Enter a username and a password.')
    }
    const result = await attemptLogin(request, input, deps)
    switch (result.outcome) {
      case 'success':
        return reply.redirect('/', 303)
      case 'wrong':
        return renderLogin(request, reply, view, 401, 'Wrong username or password.', input.username)
      case 'limited':
        return renderLogin(request, reply, view, 429, 'Too many failed logins. Please wait a few minutes before trying again.', input.username)
    }
  })
}
