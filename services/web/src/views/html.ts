// A tiny safe-by-default HTML template: every interpolated value is escaped
// unless it is already SafeHtml, so user-controlled text (usernames, cart
// items, node names from the LB) cannot inject markup.

export class SafeHtml {
  constructor (readonly value: string) {}
  toString (): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;'
}

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c)
}

function render (value: unknown): string {
  if (value instanceof SafeHtml) return value.value
  if (value === undefined || value === null || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  // templates interpolate strings and numbers; anything else prints as String() prints it
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return escapeHtml(String(value))
}

/** Tagged template: html`<p>${userText}</p>` escapes userText. */
export function html (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '')
  }
  return new SafeHtml(out)
}

/** Trusted markup, e.g. the stylesheet; never pass request data here. */
export function raw (markup: string): SafeHtml {
  return new SafeHtml(markup)
}
