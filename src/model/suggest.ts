/** "Did you mean" suggestions by edit distance. */

/**
 * Edit distance in which swapping two neighbours counts as one edit ("teir" → "tier", "dialy" →
 * "daily"), as well as insertions, deletions and substitutions (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, twoBack[j - 2]! + 1);
    }
    twoBack = previous;
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The closest candidate (case-insensitive) within `maxEdits` edits, by default a third of the word's
 * length and at least 2; null when none is that close.
 */
export function suggest(word: string, candidates: Iterable<string>, maxEdits?: number): string | null {
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = (maxEdits ?? Math.max(2, Math.floor(word.length / 3))) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match ? ` (did you mean "${match}"?)` : '';
}
