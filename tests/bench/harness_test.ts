/**
 * The benchmark harness's parts that guard its figures: the statistics, the shuffled round order and
 * the environment of a timed command (no NODE_EXTRA_CA_CERTS, nothing of the caller's).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runOnce, timedEnv } from "../../bench/measure.ts";
import { median, percentile, ratioInterval, seeded, shuffle, spread } from "../../bench/stats.ts";

describe("bench/stats.ts", () => {
  it("gives the median, and p25/p75 by nearest rank, of unsorted samples", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.deepEqual(spread([8, 1, 7, 2, 6, 3, 5, 4]), { median: 4.5, p25: 2, p75: 6 });
    assert.equal(percentile([10], 25), 10);
    assert.equal(percentile([1, 2, 3, 4], 100), 4);
  });

  it("gives NaN for no samples, so a failed case shows a dash rather than a number", () => {
    assert.ok(Number.isNaN(median([])));
    assert.ok(Number.isNaN(percentile([], 75)));
  });

  it("shuffles a copy, keeping every item once", () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const orders = new Set(Array.from({ length: 10 }, () => shuffle(items).join(",")));
    assert.ok(orders.size > 1, "ten shuffles of 20 items gave one order");
    for (const order of orders) assert.deepEqual(order.split(",").map(Number).sort((a, b) => a - b), items);
    assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i), "the input is left alone");
  });
});

describe("bench/stats.ts: the interval of a ratio of medians", () => {
  /** `n` rounds of a case and its floor: the machine's speed drifts 1.5× across the rounds, each run has its own noise. */
  function rounds(n: number, ratio: number, noise: number, random: () => number) {
    const floor: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < n; i++) {
      const machine = 1 + 0.5 * (i / n);
      floor.push(100 * machine * (1 + noise * (random() - 0.5)));
      ours.push(100 * ratio * machine * (1 + noise * (random() - 0.5)));
    }
    return { ours, floor };
  }

  it("holds the true ratio in about 90% of runs, and is the same for the same samples", () => {
    const random = seeded(42);
    let held = 0;
    for (let run = 0; run < 200; run++) {
      const { ours, floor } = rounds(30, 1.15, 0.2, random);
      const [low, high] = ratioInterval(ours, floor, 500);
      if (low <= 1.15 && 1.15 <= high) held++;
    }
    // A 90% interval: about 180 of 200. Far fewer would mean it is too narrow to trust, all 200 too wide to decide.
    assert.ok(held >= 160 && held <= 198, `the true ratio was inside ${held} of 200 intervals`);
    const { ours, floor } = rounds(30, 1.2, 0.2, seeded(7));
    assert.deepEqual(ratioInterval(ours, floor), ratioInterval(ours, floor));
  });

  it("keeps the runs of a round paired: a drift that hits both cases of a round cancels out", () => {
    // Every round: ours exactly 1.2× the floor, the machine drifting 1.5× across rounds.
    const { ours, floor } = rounds(30, 1.2, 0, seeded(3));
    const [low, high] = ratioInterval(ours, floor);
    assert.ok(Math.abs(low - 1.2) < 1e-9 && Math.abs(high - 1.2) < 1e-9, `${low}–${high}`);
    // The same samples unpaired (a case lost a run): the drift now widens the interval.
    const [unpairedLow, unpairedHigh] = ratioInterval(ours.slice(1), floor);
    assert.ok(unpairedHigh - unpairedLow > 0.05, `${unpairedLow}–${unpairedHigh}`);
  });

  it("gives NaNs without samples", () => {
    assert.ok(ratioInterval([], [1, 2]).every(Number.isNaN));
  });
});

describe("bench/measure.ts: the environment of a timed command", () => {
  it("leaves out NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE and keeps the rest of what it is given", () => {
    const env = timedEnv({
      PATH: "/bin",
      NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt",
      AWS_CA_BUNDLE: "/etc/ssl/certs/ca-certificates.crt",
      A: "1",
    });
    assert.deepEqual(env, { PATH: "/bin", A: "1" });
  });

  it("a timed command sees only the variables given, never NODE_EXTRA_CA_CERTS", { timeout: 30_000 }, async () => {
    // env(1) prints its environment, one NAME=value a line.
    const run = await runOnce(["/usr/bin/env"], { env: { BENCH_PROBE: "1", NODE_EXTRA_CA_CERTS: "/nonexistent.pem" } });
    assert.ok(run.ok, run.stderr);
    assert.ok(run.ms > 0);
    const names = run.stdout.split("\n").filter(Boolean).map((line) => line.split("=")[0]);
    assert.ok(names.includes("BENCH_PROBE"), run.stdout);
    assert.ok(!names.includes("NODE_EXTRA_CA_CERTS"), run.stdout);
    assert.ok(!names.includes("HOME"), "the caller's environment leaked in");
  });
});
