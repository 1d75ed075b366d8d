import type { Readable, Writable } from 'node:stream'
import { styleText } from 'node:util'

export type Colour = Parameters<typeof styleText>[0]

/**
 * Colours text unconditionally. The caller decides (shouldColour) for the
 * stream it writes to; styleText's own check looks at process.stdout, which
 * is the wrong stream when output goes elsewhere.
 */
export function paint (colour: Colour, text: string): string {
  return styleText(colour, text, { validateStream: false })
}

/** One colour per process, in start order, so `web-2 |` keeps its colour across restarts. */
const PALETTE: readonly Colour[] = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red', 'cyanBright', 'magentaBright', 'yellowBright', 'greenBright']

export function paletteColour (index: number): Colour {
  return PALETTE[index % PALETTE.length] ?? 'cyan'
}

/**
 * Whether to colour output written to `stream`. Node 20's styleText always
 * emits escape codes, so the TTY and NO_COLOR/FORCE_COLOR checks are ours.
 */
export function shouldColour (stream: Writable): boolean {
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  if (process.env.NO_COLOR !== undefined) return false
  return (stream as Writable & { isTTY?: boolean }).isTTY === true
}

export interface LinePrefixerOptions {
  /** Shown before every line, e.g. `web-2`. */
  name: string
  /** Pads the name so the `|` columns line up. */
  width: number
  colour: Colour
  useColour: boolean
  /** Where prefixed lines go; null keeps them only in memory. */
  output: Writable | null
  /** Called with every complete line, unprefixed. */
  onLine: (line: string) => void
}

/**
 * Splits a child's stdout/stderr into lines and writes each with the child's
 * name in front. A partial line waits for its newline (or the stream's end),
 * so two children writing at once never interleave inside a line.
 */
export function prefixLines (stream: Readable, options: LinePrefixerOptions): void {
  const label = `${options.name.padEnd(options.width)} |`
  const prefix = options.useColour ? paint(options.colour, label) : label
  let pending = ''
  const emit = (line: string): void => {
    options.onLine(line)
    options.output?.write(`${prefix} ${line}\n`)
  }
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/)
    pending = lines.pop() ?? ''
    for (const line of lines) emit(line)
  })
  stream.on('end', () => {
    if (pending !== '') emit(pending)
    pending = ''
  })
}
