// One colour per node, so a screenshot shows at a glance which node answered:
// web-1 blue, web-2 green, web-3 orange, and so on.

const PALETTE = [
  '#2563eb', // 1 blue
  '#16a34a', // 2 green
  '#ea580c', // 3 orange
  '#9333ea', // 4 purple
  '#db2777', // 5 pink
  '#0d9488', // 6 teal
  '#ca8a04', // 7 amber
  '#4f46e5' // 8 indigo
] as const

/** The badge colour of a node: by its trailing number, else by a hash of its name. */
export function nodeColor (nodeName: string): string {
  const match = /(\d+)$/.exec(nodeName)
  let index: number
  if (match?.[1] !== undefined) {
    index = (Number(match[1]) - 1) % PALETTE.length
    if (index < 0) index += PALETTE.length
  } else {
    let hash = 0
    for (const ch of nodeName) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0
    index = hash % PALETTE.length
  }
  return PALETTE[index] ?? PALETTE[0]
}
