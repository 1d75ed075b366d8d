/**
 * Smooth weighted round robin (nginx's algorithm): each pick adds every
 * candidate's weight to its running score, takes the highest score and takes
 * the total off the winner. Equal weights give plain round robin in list order;
 * unequal weights interleave instead of sending bursts to the heaviest.
 */
export class WeightedRoundRobin {
  private readonly scores = new Map<string, number>()

  pick<T extends { readonly id: string, readonly weight: number }> (candidates: readonly T[]): T | undefined {
    let total = 0
    let best: T | undefined
    let bestScore = -Infinity
    for (const candidate of candidates) {
      const score = (this.scores.get(candidate.id) ?? 0) + candidate.weight
      this.scores.set(candidate.id, score)
      total += candidate.weight
      if (score > bestScore) {
        best = candidate
        bestScore = score
      }
    }
    if (best !== undefined) this.scores.set(best.id, bestScore - total)
    return best
  }

  forget (id: string): void {
    this.scores.delete(id)
  }
}
