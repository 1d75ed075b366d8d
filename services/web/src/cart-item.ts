import { WebError } from './errors.js'

export const MAX_CART_ITEM_CHARS = 100

// "Printable": no control characters, no lone surrogates (JSON can carry
// them, UTF-8 cannot), no line or paragraph separators.
const NOT_PRINTABLE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The item of a POST /api/cart body, or STK_ERR_WEB_INVALID_CART_ITEM. */
export function parseCartItem (body: unknown): string {
  if (!isRecord(body)) throw new WebError('STK_ERR_WEB_INVALID_CART_ITEM')
  const item = body.item
  if (typeof item !== 'string') throw new WebError('STK_ERR_WEB_INVALID_CART_ITEM')
  const chars = [...item].length // code points, so an emoji counts once
  if (chars < 1 || chars > MAX_CART_ITEM_CHARS || NOT_PRINTABLE.test(item)) {
    throw new WebError('STK_ERR_WEB_INVALID_CART_ITEM')
  }
  return item
}
