import assert from "node:assert/strict";
import { fitDurations, formatDuration, Progress, type ProgressItem, scheduleMakespan } from "./progress.ts";

Deno.test("formatDuration: seconds, minutes, hours, rounding at the unit boundaries, and ? for no estimate", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [0.49, "0s"],
    [12.4, "12s"],
    [59.49, "59s"],
    [59.5, "1m00s"],
    [185, "3m05s"],
    [3599.4, "59m59s"],
    [3599.5, "1h00m"],
    [3720, "1h02m"],
    [36000 + 59 * 60 + 59, "10h59m"],
    [-3, "0s"],
    [NaN, "?"],
    [Infinity, "?"],
  ];
  for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, `${seconds}`);
});

/** A progress bar on a fake clock (seconds), its printed lines kept. */
function fakeProgress(total: number, options: { inPlace: boolean; workers?: number; costs?: number[] }) {
  const clock = { t: 0 };
  const lines: [string, boolean][] = [];
  const progress = new Progress("grid", total, {
    ...options,
    intervalSeconds: 5,
    now: () => clock.t * 1000,
    write: (line, inPlace) => lines.push([line, inPlace]),
  });
  return { clock, lines, progress };
}

Deno.test("printing off a terminal: the first line at once, then at most one per interval, and always the last", () => {
  const { clock, lines, progress } = fakeProgress(5, { inPlace: false });
  const at = (t: number) => {
    clock.t = t;
    progress.tick();
    return lines.length;
  };
  assert.equal(at(1), 1);
  assert.equal(at(3), 1, "2 s after the last line: not printed");
  assert.equal(at(6), 2, "5 s after it: printed");
  assert.equal(at(8), 2);
  assert.equal(at(9), 3, "the last item: printed whatever the interval");
  assert(lines.every(([, inPlace]) => !inPlace));
  // At 6 s: the items timed took 2 s and 3 s (the first, which may include a warm-up, is not used), so the
  // two left are predicted to take 2.5 s each.
  assert.deepEqual(lines.map(([line]) => line), [
    "grid [#####...................] 1/5 20% elapsed 1s left ~?",
    "grid [##############..........] 3/5 60% elapsed 6s left ~5s",
    "grid [########################] 5/5 100% elapsed 9s left ~0s",
  ]);
});

Deno.test("printing in a terminal: every tick redraws in place, and a newline ends the bar", () => {
  const { clock, lines, progress } = fakeProgress(3, { inPlace: true });
  for (const t of [0.5, 0.75, 1]) {
    clock.t = t;
    progress.tick();
  }
  assert.deepEqual(lines, [
    ["grid [########................] 1/3 33% elapsed 1s left ~?", true],
    ["grid [################........] 2/3 67% elapsed 1s left ~?", true],
    ["grid [########################] 3/3 100% elapsed 1s left ~0s", true],
    ["\n", true],
  ]);
});

Deno.test("items one after another: no estimate before two timed items, then items left times their duration", () => {
  const { clock, progress } = fakeProgress(10, { inPlace: false });
  // The first item pays a warm-up (10 s), the others take 3 s each.
  clock.t = 10;
  progress.tick();
  assert(Number.isNaN(progress.secondsLeft()), "the first item's time includes the warm-up: not used");
  clock.t = 13;
  progress.tick();
  assert(Number.isNaN(progress.secondsLeft()), "one timed item: no estimate yet");
  clock.t = 16;
  progress.tick();
  assert.equal(progress.secondsLeft(), 7 * 3);
  // Half-way through the next item, half of its time is left.
  clock.t = 17.5;
  assert.equal(progress.secondsLeft(), 7 * 3 - 1.5);
  // Batches of several items (samples kept per batch): the time per item, not per tick.
  clock.t = 25;
  progress.tick(3);
  assert.equal(progress.secondsLeft(), 4 * 3);
  progress.tick(0);
  assert.equal(progress.secondsLeft(), 4 * 3, "an empty batch is no item: the one under way keeps its start");
});

Deno.test("fitDurations: exact overhead and rate for noiseless data; the cost model's proportion when they are confounded", () => {
  const batches = [10, 4, 1].map((work) => ({ count: 1, work, duration: 0.5 + 0.2 * work }));
  const model = fitDurations(batches)!;
  assert(Math.abs(model.perItem - 0.5) < 1e-12 && Math.abs(model.perWork - 0.2) < 1e-12);
  // Two batches: the overhead is not resolved (no residual to judge it by), so the fit is proportional.
  const two = fitDurations(batches.slice(0, 2))!;
  assert.equal(two.perItem, 0);
  // One work per item: overhead and rate cannot be told apart.
  assert.deepEqual(fitDurations([{ count: 2, work: 6, duration: 4 }, { count: 1, work: 3, duration: 2 }]), {
    perItem: 0,
    perWork: 2 / 3,
  });
  // Noisy overhead: the fitted 0.5 +- its noise is reduced by two standard errors, never below 0.
  const noisy = [10, 10, 4, 4, 1, 1].map((work, i) => ({
    count: 1,
    work,
    duration: 0.5 + 0.2 * work + (i % 2 ? 2 : -2),
  }));
  assert.equal(fitDurations(noisy)!.perItem, 0);
  assert.equal(fitDurations([]), undefined);
  // Durations falling as the work grows (a rough cost model): not a per-item average for the many cheap items left,
  // but the work's proportion, sum(work * duration) / sum(work^2).
  const inverted = [{ count: 1, work: 1, duration: 3 }, { count: 1, work: 2, duration: 2 }, {
    count: 1,
    work: 3,
    duration: 1,
  }];
  assert.deepEqual(fitDurations(inverted), { perItem: 0, perWork: (3 + 4 + 3) / (1 + 4 + 9) });
});

Deno.test("scheduleMakespan: greedy list scheduling, each item to the first free worker", () => {
  assert.equal(scheduleMakespan([], [3, 3, 2, 2, 2], 2), 7);
  assert.equal(scheduleMakespan([5], [1, 1, 1], 2), 5, "the idle worker takes all three while the busy one runs");
  assert.equal(scheduleMakespan([1, 4], [3, 3], 2), 7);
  assert.equal(scheduleMakespan([], [], 4), 0);
});

/**
 * A grid run on `workers` workers as the runner does it (costliest first, each worker taking the next run when
 * free), with known durations; after each finish, the estimate, the true time left, and what is in flight, left
 * and timed (finished, but not as a worker's first run).
 */
function simulateGrid(costs: number[], duration: (cost: number) => number, workers: number) {
  const clock = { t: 0 };
  const progress = new Progress("grid", costs.length, { costs, workers, now: () => clock.t * 1000, write: () => {} });
  const running: { item: ProgressItem; cost: number; end: number; first: boolean }[] = [];
  const timed: number[] = [], all: number[] = [];
  let next = 0;
  const startNext = () => {
    const cost = costs[next];
    running.push({ item: progress.start(cost), cost, end: clock.t + duration(cost), first: next < workers });
    next++;
  };
  for (let w = 0; w < workers && next < costs.length; w++) startNext();
  const checks: {
    estimate: number;
    t: number;
    inFlight: number[];
    pending: number[];
    timed: number[];
    all: number[];
  }[] = [];
  while (running.length > 0) {
    running.sort((a, b) => a.end - b.end);
    const finished = running.shift()!;
    clock.t = finished.end;
    progress.finish(finished.item);
    if (!finished.first) timed.push(finished.cost);
    all.push(finished.cost);
    // Checked between a run's end and the next start, as the runner's worker loop is then.
    checks.push({
      estimate: progress.secondsLeft(),
      t: clock.t,
      inFlight: running.map((r) => r.cost),
      pending: costs.slice(next),
      timed: [...timed],
      all: [...all],
    });
    if (next < costs.length) startNext();
  }
  const end = clock.t;
  return checks.map((c) => ({ ...c, truth: end - c.t }));
}

const repeat = (levels: [number, number][]): number[] => levels.flatMap(([cost, count]) => Array(count).fill(cost));

Deno.test("2 workers, durations a + b cost, costliest first: a derived bound while one cost is known, exact from then on", () => {
  const a = 0.4, b = 0.15, workers = 2;
  const costs = repeat([[9, 8], [7, 4], [5, 6], [3, 5], [1, 12]]);
  const checks = simulateGrid(costs, (c) => a + b * c, workers);
  let bounded = 0;
  for (const [k, check] of checks.entries()) {
    // The first run of each worker (it includes the worker's start-up) counts until two others are timed.
    const used = check.timed.length >= 2 ? check.timed : check.all;
    const distinct = new Set(used);
    if (used.length < 2) {
      assert(Number.isNaN(check.estimate), `run ${k + 1}: no estimate before two runs`);
    } else if (distinct.size === 1) {
      // One cost c0 known: the runs of cost c0 are predicted exactly, those of cost c < c0 in proportion,
      // (a + b c0) c / c0, short by a (1 - c / c0). A greedy schedule's end moves by at most the sum of the
      // changes of its items' durations (and of the times left of those in flight), so this sum bounds the error.
      const [c0] = distinct;
      const bound = [...check.inFlight, ...check.pending].reduce((s, c) => s + a * (1 - c / c0), 0);
      assert(Math.abs(check.estimate - check.truth) <= bound + 1e-9, `run ${k + 1}: ${check.estimate}`);
      if (bound > 0) bounded++;
    } else if (used.length >= 3) {
      // Overhead and rate are then fitted exactly, and the runs left are scheduled as the runner does.
      assert(
        Math.abs(check.estimate - check.truth) <= 1e-9 * Math.max(1, check.truth),
        `run ${k + 1}: ${check.estimate}`,
      );
    }
  }
  assert(bounded >= 2, "the phase with one known cost was exercised");
});

Deno.test("a badly mis-specified cost (time grows as its square root): the error shrinks to 0 as runs complete", () => {
  // Cost spans 10^4, time only 10^2: in proportion to cost the cheapest runs would be predicted 100x too short.
  const workers = 2;
  const costs = repeat([[10000, 4], [100, 12], [1, 12]]);
  const f = (c: number) => 0.05 * Math.sqrt(c);
  const checks = simulateGrid(costs, f, workers);
  // What the fit predicts for a cost c not timed yet: the line through the two cheapest costs timed (the fit's
  // window, at most 8 runs here, never holds more than two costs, each fitted exactly), through the origin
  // while only one is. A timed cost is predicted exactly (a mean of exact durations, or a point of the line).
  // As in the test above, the error is then at most the sum of the errors of the untimed runs' predictions.
  let lastBound = Infinity;
  let twoTimed = false;
  for (const [k, check] of checks.entries()) {
    if (Number.isNaN(check.estimate)) continue;
    // The workers' first runs count until two others are timed.
    const basis = check.timed.length >= 2 ? check.timed : check.all;
    const [low, next] = [...new Set(basis)].sort((x, y) => x - y);
    const line = next === undefined
      ? (c: number) => f(low) * c / low
      : (c: number) => f(low) + (f(next) - f(low)) * (c - low) / (next - low);
    const untimed = [...check.inFlight, ...check.pending].filter((c) => !basis.includes(c));
    const bound = untimed.reduce((s, c) => s + Math.abs(line(c) - f(c)), 0);
    assert(Math.abs(check.estimate - check.truth) <= bound + 1e-9, `run ${k + 1}: ${check.estimate} vs ${check.truth}`);
    // With f concave, each chord lies above f left of its points, and a chord further left lies between f and
    // the one before: from the second cost timed on, the bound only shrinks, to 0 once the last cost is timed.
    twoTimed ||= next !== undefined;
    if (twoTimed) assert(bound <= lastBound + 1e-12, `run ${k + 1}: the bound grew`);
    lastBound = twoTimed ? bound : Infinity;
    if (untimed.length === 0) assert(Math.abs(check.estimate - check.truth) <= 1e-9 * Math.max(1, check.truth));
  }
  assert.equal(lastBound, 0);
  assert(checks.some((c) => c.estimate < c.truth / 2), "an estimate is far off: the test is not an easy one");
  assert(checks.filter((c) => c.pending.every((p) => p === 1) && c.timed.includes(1)).length >= 8, "the exact end");
});

Deno.test("runs of a cost timed twice are predicted by their mean, whatever the line through the costs before", () => {
  // Few runs per cost: the fit's window spans three or more costs of a concave duration, so the line misses them.
  const workers = 2;
  const costs = repeat([[100, 3], [64, 3], [36, 3], [16, 3], [4, 3], [1, 12]]);
  const checks = simulateGrid(costs, Math.sqrt, workers);
  const timedTwice = (c: number, timed: number[]) => timed.filter((t) => t === c).length >= 2;
  const exactChecks = checks.filter((c) => [...c.inFlight, ...c.pending].every((p) => timedTwice(p, c.timed)));
  assert(exactChecks.length >= 8);
  for (const check of exactChecks) {
    assert(Math.abs(check.estimate - check.truth) <= 1e-9 * Math.max(1, check.truth), `${check.estimate}`);
  }
});

Deno.test("start and finish: an item finished twice or never started is an error; costs set the total", () => {
  const { progress } = fakeProgress(99, { inPlace: false, costs: [3, 2, 1] });
  assert.equal(progress.total, 3);
  const item = progress.start();
  assert.equal(item.work, 3, "the work of the next cost in order");
  progress.finish(item);
  assert.throws(() => progress.finish(item), /not started, or already finished/);
});

Deno.test("batches: a started batch takes its items' costs, counts them on finish, and is predicted from the line", () => {
  // Durations 1 + 2 cost per item; batches of 2 items on one worker. The first batch is a warm-up (not timed).
  const clock = { t: 0 };
  const lines: string[] = [];
  const costs = [6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1];
  const progress = new Progress("batches", costs.length, {
    costs,
    workers: 1,
    now: () => clock.t * 1000,
    write: (line) => void lines.push(line),
  });
  const duration = (batch: number[]) => batch.reduce((s, c) => s + 1 + 2 * c, 0);
  for (let b = 0; b < costs.length / 2; b++) {
    const batch = costs.slice(2 * b, 2 * b + 2);
    const item = progress.start(undefined, 2);
    assert.equal(item.work, batch[0] + batch[1], "the batch's work is its items' costs");
    assert.equal(item.count, 2);
    clock.t += duration(batch);
    progress.finish(item);
    const left = costs.slice(2 * b + 2);
    if (b >= 3) {
      // Three batches timed (the fit's least), of 2 items each and works 10, 8, 6: per item 1 and per unit 2, exactly.
      const truth = left.reduce((s, c) => s + 1 + 2 * c, 0);
      assert(
        Math.abs(progress.secondsLeft() - truth) < 1e-9,
        `after batch ${b + 1}: ${progress.secondsLeft()} vs ${truth}`,
      );
    }
  }
  assert.equal(progress.secondsLeft(), 0);
  assert.match(lines.at(-1)!, / 12\/12 /, "every item of every batch counted");
});

Deno.test("a rough cost model: the overhead fitted on costly runs is not extrapolated to runs a hundred times cheaper", () => {
  // Costly runs (cost 900-1000) take about 1 s, barely growing with the cost: a fit of overhead + rate puts ~1 s on
  // every run. The 200 cheap runs (cost 1) take 0.01 s. Before any of them is timed, the estimate must not be the
  // ~100 s that 200 runs of 1 s on 2 workers would take.
  const costs = repeat([[1000, 6], [950, 6], [900, 6], [1, 200]]);
  const checks = simulateGrid(costs, (c) => (c >= 900 ? 1 + (c - 900) / 1000 : 0.01), 2);
  const beforeCheap = checks.filter((c) => Number.isFinite(c.estimate) && c.pending.length === 200);
  assert.ok(beforeCheap.length > 0, "the phase before the cheap runs was checked");
  for (const check of beforeCheap) {
    assert.ok(check.estimate < check.truth + 5, `estimate ${check.estimate} s, truth ${check.truth} s`);
  }
});

Deno.test("runs of one cost timed alone and then in batches: the batches count as that many runs of the cost", () => {
  const clock = { t: 0 };
  const costs = new Array(100).fill(1);
  const progress = new Progress("grid", 100, { costs, workers: 2, now: () => clock.t * 1000, write: () => {} });
  const run = (count: number, seconds: number): void => {
    const item = progress.start(undefined, count);
    clock.t += seconds;
    progress.finish(item);
  };
  run(1, 1); // each worker's first run: not timed
  run(1, 1);
  run(1, 1); // two runs timed alone, slow (the code's warm-up)
  run(1, 1);
  run(20, 2); // then a batch: 0.1 s a run
  run(20, 2);
  // 56 runs left at (2 + 40 * 0.1) / 42 s each on 2 workers: 4 s; the two slow runs alone would say 28 s.
  const expected = (56 * (2 + 4) / 42) / 2;
  assert.ok(Math.abs(progress.secondsLeft() - expected) < 1e-9, `${progress.secondsLeft()} vs ${expected}`);
});

Deno.test("the workers' first runs, slow by their start-up, give the first estimate and leave the fit once two others are timed", () => {
  const clock = { t: 0 };
  const progress = new Progress("grid", 6, { costs: Array(6).fill(1), workers: 2, now: () => clock.t * 1000 });
  // Warm-up runs take 100 s, the others 60 s: two at a time, ending at 100, 100, 160, 160, 220, 220.
  const first = [progress.start(), progress.start()];
  clock.t = 100;
  progress.finish(first[0]);
  assert(Number.isNaN(progress.secondsLeft()), "one run: no estimate");
  progress.finish(first[1]);
  // Four runs left at 100 s each (the warm-ups' time), two at a time.
  assert.equal(progress.secondsLeft(), 200);
  const second = [progress.start(), progress.start()];
  clock.t = 160;
  progress.finish(second[0]);
  progress.finish(second[1]);
  // Two runs timed apart from the warm-ups: they alone set the prediction, exactly.
  assert.equal(progress.secondsLeft(), 60);
});
