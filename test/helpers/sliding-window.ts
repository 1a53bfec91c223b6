/**
 * Most of `times` (ms) in any window of `windowMs`: the figure a per-second limit is judged by. Only windows that
 * start at one of the times are checked, because a window starting anywhere else holds no more than those.
 */
export function maxPerWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end += 1;
    best = Math.max(best, end - start);
  }
  return best;
}
