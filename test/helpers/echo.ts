/** How much of a person's input an answer repeats (issue 11 §4: never more than about 50 characters). */

/** The longest run of characters `answer` repeats from `input` (longest common substring), in UTF-16 units. */
export function longestEcho(input: string, answer: string): number {
  let best = 0;
  let prev = new Array<number>(answer.length + 1).fill(0);
  for (let i = 1; i <= input.length; i++) {
    const cur = new Array<number>(answer.length + 1).fill(0);
    for (let j = 1; j <= answer.length; j++) {
      if (input[i - 1] === answer[j - 1]) {
        cur[j] = prev[j - 1]! + 1;
        if (cur[j]! > best) best = cur[j]!;
      }
    }
    prev = cur;
  }
  return best;
}
