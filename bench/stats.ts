/**
 * Statistics of the samples: median, p25 and p75 (nearest rank), and the shuffled order each round
 * runs its cases in. Empty samples give NaN, which the report prints as a dash.
 *
 * @module
 */

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The nearest-rank percentile `p` (0–100): the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Median, p25 and p75 of some samples. */
export interface Spread {
  median: number;
  p25: number;
  p75: number;
}

/** The {@link Spread} of `values`. */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), p25: percentile(values, 25), p75: percentile(values, 75) };
}

/**
 * A shuffled copy of `items` (Fisher–Yates). Each round of the benchmark runs its cases in a new
 * order, so neither a drift of the machine nor the case that ran just before favours one case.
 */
export function shuffle<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A figure with `digits` decimals, or a dash when it is not a finite number (a failed or empty case). */
export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "—";
}

/** Numbers in [0, 1) from a seed (mulberry32): the same samples give the same interval on every run of the report. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The 90% interval of `median(a) / median(b)`, by a bootstrap over the rounds: each of `iterations`
 * resamples draws rounds with replacement and takes both runs of a drawn round together (a[i] and
 * b[i] ran in the same round), so what a round's machine state did to both stays paired. Samples of
 * different lengths (a case that failed partway) are resampled each on its own. NaNs for no samples.
 */
export function ratioInterval(
  a: readonly number[],
  b: readonly number[],
  iterations = 2000,
  random: () => number = seeded(1),
): [number, number] {
  if (!a.length || !b.length) return [NaN, NaN];
  const paired = a.length === b.length;
  const pick = (n: number) => Math.floor(random() * n);
  const ratios: number[] = [];
  for (let k = 0; k < iterations; k++) {
    const ra: number[] = [];
    const rb: number[] = [];
    if (paired) {
      for (let i = 0; i < a.length; i++) {
        const j = pick(a.length);
        ra.push(a[j]);
        rb.push(b[j]);
      }
    } else {
      for (let i = 0; i < a.length; i++) ra.push(a[pick(a.length)]);
      for (let i = 0; i < b.length; i++) rb.push(b[pick(b.length)]);
    }
    ratios.push(median(ra) / median(rb));
  }
  return [percentile(ratios, 5), percentile(ratios, 95)];
}
