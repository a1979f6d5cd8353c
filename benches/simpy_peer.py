#!/usr/bin/env python3
"""SimPy peer of lockout's incident model: same model, independent implementation (issue 5).

Not run in CI. How to run, from the crate root:

    pip install simpy          # SimPy 4.x; Python >= 3.11 (tomllib)
    python3 benches/simpy_peer.py
    python3 benches/simpy_peer.py --strategy "spare key in wallet" --incidents 100000
    python3 benches/simpy_peer.py --all-strategies --incidents 50000
    python3 benches/simpy_peer.py --rust-dir /tmp/peer-rust   # reuse an existing Rust run

What it does:

1. Reads the scenario TOML (default scenarios/mixed-population.toml) with tomllib and
   interprets its vehicles, drivers, contexts, remedies, policies, fallback and strategies
   generically (a strategy's `set` paths and `disable` list are applied to the document the
   way lockout does: `driver.*.spare_key`, `vehicle.<name>.<field>`, `context.<place>.<field>`).
2. Simulates N incidents (default 200,000) of one strategy (default: the baseline) in SimPy:
   one process per incident; each started remedy is its own process (wait, then work, as
   timeouts); a step's remedies race with simpy.AnyOf together with the give-up horizon; the
   first success that grants access wins and the others are interrupted (cancelled, paying
   their cancel_fee); the horizon or running out of steps ends the incident with the fallback.
3. Prints mean time to access and mean cost (direct + damage) with 95% CIs, and compares them
   with the Rust run's summary.csv for the same strategy: the pair agrees when
   |diff| <= 1.96 * sqrt(se_simpy^2 + se_rust^2). The Rust run
   (`target/release/lockout run SCENARIO --incidents 1000000 --threads 1 --no-plots
   --out /tmp/peer-rust`) is made if --rust-dir has no summary.csv; build first with
   `cargo build --release`.
4. Prints the speed ratio: Rust evaluations/s per thread / SimPy incidents/s (one SimPy
   incident under one strategy is one incident-strategy evaluation).

The random numbers differ from Rust's (Python's Mersenne Twister, not the keyed Xoshiro
streams), so agreement is statistical, not bitwise.

Semantics followed (src/engine/incident.rs): the policy's steps run in order; a step starts
every remedy that is available and whose `requires` holds (any one alternative), skips the
others, and moves on at once if none started. A started remedy draws success (an `adjust` may
replace the probability), wait x wait factors, work (by spare key location when
duration_by_spare_key is given) x duration factors, price x cost factors, cancellation fee and
damage risks; adjustments whose `when` holds at the start apply and their factors multiply.
On completion the price is paid if it succeeded or charge_on_failure (default true), damage is
added, and a success sets/clears facts; if it grants access the incident ends, else the step
goes on. When all of a step's remedies have completed without access, the next step starts.
Steps exhausted, or the horizon reached (running remedies cancelled with their fees) -> the
fallback: time += fallback duration, cost += fallback cost.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import os
import random
import subprocess
import sys
import time
import tomllib
from pathlib import Path

try:
    import simpy
except ImportError:  # pragma: no cover
    sys.exit("simpy is not installed: pip install simpy")

ROOT = Path(__file__).resolve().parent.parent
Z95 = 1.959963984540054
Z_P90 = 1.2815515655446004

# --------------------------------------------------------------------------------------------
# Quantities and distributions (src/dist.rs)


def duration(text) -> float:
    """'30 s', '25 min', '1.5 h', '2 d' -> minutes."""
    if not isinstance(text, str):
        raise ValueError(f"a duration needs a unit: {text!r}")
    t = text.strip()
    i = 0
    while i < len(t) and (t[i].isdigit() or t[i] in "._-+"):
        i += 1
    value = float(t[:i].replace("_", ""))
    unit = t[i:].strip()
    return value * {"s": 1 / 60, "sec": 1 / 60, "min": 1.0, "h": 60.0, "d": 1440.0}[unit]


def quantity(v, is_duration: bool) -> float:
    return duration(v) if is_duration else float(v)


def make_dist(spec, is_duration: bool):
    """A sampler `f(rng) -> float` from a scenario distribution."""
    if not isinstance(spec, dict):
        v = quantity(spec, is_duration)
        return lambda rng: v
    ((family, p),) = spec.items()
    q = lambda key: quantity(p[key], is_duration)  # noqa: E731
    if family == "fixed":
        v = quantity(p, is_duration)
        return lambda rng: v
    if family == "uniform":
        lo, hi = q("min"), q("max")
        return lambda rng: lo + (hi - lo) * rng.random()
    if family == "triangular":
        lo, mode, hi = q("min"), q("mode"), q("max")
        return lambda rng: rng.triangular(lo, hi, mode)
    if family == "normal":
        mean, sd = q("mean"), q("sd")
        lo = q("min") if "min" in p else 0.0
        hi = q("max") if "max" in p else math.inf

        def truncated(rng):
            while True:
                x = rng.gauss(mean, sd)
                if lo <= x <= hi:
                    return x

        return truncated
    if family == "lognormal":
        if "median" in p:
            median, p90 = q("median"), q("p90")
            mu, sigma = math.log(median), (math.log(p90) - math.log(median)) / Z_P90
        else:
            mean, sd = q("mean"), q("sd")
            s2 = math.log(1 + (sd / mean) ** 2)
            mu, sigma = math.log(mean) - 0.5 * s2, math.sqrt(s2)
        return lambda rng: rng.lognormvariate(mu, sigma)
    if family == "exponential":
        rate = 1.0 / q("mean")
        return lambda rng: rng.expovariate(rate)
    if family == "gamma":
        if "mean" in p:
            mean, sd = q("mean"), q("sd")
            shape, scale = (mean / sd) ** 2, sd * sd / mean
        else:
            shape, scale = float(p["shape"]), q("scale")
        return lambda rng: rng.gammavariate(shape, scale)
    if family == "weibull":
        shape, scale = float(p["shape"]), q("scale")
        return lambda rng: rng.weibullvariate(scale, shape)
    if family == "empirical":
        values = [quantity(v, is_duration) for v in p["values"]]
        weights = [float(w) for w in p.get("weights", [1.0] * len(values))]
        return lambda rng: rng.choices(values, weights)[0]
    raise ValueError(f"unknown distribution {family}")


# --------------------------------------------------------------------------------------------
# Strategy `set` paths and `disable` (src/scenario/overrides.rs)

def apply_set(doc: dict, path: str, value) -> None:
    """Sets every field `path` matches; an array of tables element is chosen by index, by its
    `name` (a context by its `place`) or by `*`."""

    def walk(node: dict, segs: list) -> int:
        key = segs[0]
        if len(segs) == 1:
            node[key] = copy.deepcopy(value)
            return 1
        child = node.setdefault(key, {})
        if isinstance(child, list):
            sel, rest = segs[1], segs[2:]
            n = 0
            for i, item in enumerate(child):
                label = item.get("place") if key == "context" else item.get("name")
                if sel in ("*", str(i), label) and rest:
                    n += walk(item, rest)
            return n
        return walk(child, segs[1:])

    if walk(doc, [s.strip() for s in path.split(".")]) == 0:
        raise ValueError(f"strategy set path {path!r} matches nothing")


def strategy_doc(base: dict, strategy: dict) -> dict:
    doc = copy.deepcopy(base)
    for path, value in strategy.get("set", {}).items():
        apply_set(doc, path, value)
    for r in strategy.get("disable", []):
        doc["remedy"][r]["available"] = False
    return doc


# --------------------------------------------------------------------------------------------
# The model, compiled from the document


def literal(text: str):
    return (text[1:], False) if text.startswith("!") else (text, True)


def condition(facts_list):
    """A conjunction: list of (fact, wanted)."""
    return [literal(f) for f in facts_list]


def holds(cond, facts: set) -> bool:
    return all((f in facts) == wanted for f, wanted in cond)


class Remedy:
    def __init__(self, name: str, r: dict):
        self.name = name
        self.available = r.get("available", True)
        req = r.get("requires", [])
        if req and isinstance(req[0], list):
            self.requires = [condition(c) for c in req]
        elif req:
            self.requires = [condition(req)]
        else:
            self.requires = []
        self.success = float(r.get("success", 1.0))
        self.wait = make_dist(r["wait"], True) if "wait" in r else None
        default = make_dist(r["duration"], True) if "duration" in r else None
        by_loc = {k: make_dist(v, True) for k, v in r.get("duration_by_spare_key", {}).items()}
        self.duration = lambda loc: by_loc.get(loc, default)
        self.cost = make_dist(r["cost"], False) if "cost" in r else None
        self.charge_on_failure = r.get("charge_on_failure", True)
        self.cancel_fee = make_dist(r["cancel_fee"], False) if "cancel_fee" in r else None
        self.damage = [(float(d["probability"]), make_dist(d["cost"], False)) for d in r.get("damage", [])]
        self.grants_access = r.get("grants_access", True)
        self.sets = set(r.get("sets", []))
        self.clears = set(r.get("clears", []))
        self.adjust = [
            (
                condition(a["when"]),
                float(a.get("wait_factor", 1.0)),
                float(a.get("duration_factor", 1.0)),
                float(a.get("cost_factor", 1.0)),
                a.get("success"),
            )
            for a in r.get("adjust", [])
        ]

    def applicable(self, facts: set) -> bool:
        return self.available and (not self.requires or any(holds(c, facts) for c in self.requires))


CONTEXT_DEFAULTS = {"phone_coverage": 1.0, "car_cellular_coverage": 1.0}


class Model:
    def __init__(self, doc: dict):
        self.horizon = duration(doc["horizon"])
        fb = doc["fallback"]
        self.fallback_duration = make_dist(fb["duration"], True)
        self.fallback_cost = make_dist(fb["cost"], False) if "cost" in fb else (lambda rng: 0.0)
        self.vehicles = []
        for v in doc["vehicle"]:
            probs = [(k, float(p)) for k, p in v.items() if k not in ("name", "share", "faults")]
            probs += [(k, float(p)) for k, p in v.get("faults", {}).items()]
            self.vehicles.append((float(v["share"]), probs))
        self.drivers = []
        for d in doc["driver"]:
            spare = list(d.get("spare_key", {"none": 1.0}).items())
            self.drivers.append(
                dict(
                    share=float(d["share"]),
                    door=float(d.get("door_left_unlocked", 0.0)),
                    spare_locs=[k for k, _ in spare],
                    spare_weights=[float(w) for _, w in spare],
                    member=float(d.get("roadside_member", 0.0)),
                    app=float(d.get("smartphone_app", 0.0)),
                    flustered=d.get("temperament") == "flustered",
                    policy=d["policy"],
                )
            )
        self.contexts = []
        for c in doc["context"]:
            probs = dict(CONTEXT_DEFAULTS)
            probs.update({k: float(p) for k, p in c.items() if k not in ("place", "share")})
            self.contexts.append((float(c["share"]), "place_" + c["place"], list(probs.items())))
        self.remedies = {name: Remedy(name, r) for name, r in doc["remedy"].items()}
        self.policies = {
            name: [[s] if isinstance(s, str) else list(s["race"]) for s in p["steps"]]
            for name, p in doc["policy"].items()
        }

    @staticmethod
    def pick(items, share_of, u):
        acc = 0.0
        for it in items:
            acc += share_of(it)
            if u < acc:
                return it
        return items[-1]

    def situation(self, rng):
        """(facts, spare key location, policy steps)."""
        facts = set()
        _, probs = self.pick(self.vehicles, lambda v: v[0], rng.random())
        for fact, p in probs:
            if rng.random() < p:
                facts.add(fact)
        d = self.pick(self.drivers, lambda d: d["share"], rng.random())
        if rng.random() < d["door"]:
            facts.update(("door_left_unlocked", "cabin_open"))
        loc = rng.choices(d["spare_locs"], d["spare_weights"])[0]
        if loc != "none":
            facts.update(("spare_key", "spare_key_" + loc))
        if rng.random() < d["member"]:
            facts.add("roadside_member")
        if rng.random() < d["app"]:
            facts.add("smartphone_app")
        if d["flustered"]:
            facts.add("flustered")
        _, place, probs = self.pick(self.contexts, lambda c: c[0], rng.random())
        facts.add(place)
        for fact, p in probs:
            if rng.random() < p:
                facts.add(fact)
        return facts, loc, self.policies[d["policy"]]


# --------------------------------------------------------------------------------------------
# The SimPy processes


class Attempt:
    __slots__ = ("remedy", "success", "delay", "cost", "cancel_fee", "damage")


def start_attempt(remedy: Remedy, facts: set, loc: str, rng) -> Attempt:
    wf = df = cf = 1.0
    p = remedy.success
    for when, w, d, c, s in remedy.adjust:
        if holds(when, facts):
            wf *= w
            df *= d
            cf *= c
            if s is not None:
                p = float(s)
    a = Attempt()
    a.remedy = remedy
    a.success = rng.random() < p
    wait = remedy.wait(rng) * wf if remedy.wait else 0.0
    dur = remedy.duration(loc)
    work = dur(rng) * df if dur else 0.0
    a.delay = wait + work
    a.cost = remedy.cost(rng) * cf if remedy.cost else 0.0
    a.cancel_fee = remedy.cancel_fee(rng) if remedy.cancel_fee else 0.0
    a.damage = 0.0
    for prob, cost in remedy.damage:
        if rng.random() < prob:
            a.damage += cost(rng)
    return a


def remedy_process(env, attempt: Attempt):
    """One started remedy: returns the attempt when it completes, None when cancelled."""
    try:
        yield env.timeout(attempt.delay)
        return attempt
    except simpy.Interrupt:
        return None


def incident(env, model: Model, rng, results: list):
    start = env.now
    facts, loc, steps = model.situation(rng)
    horizon = env.timeout(model.horizon)
    cost = 0.0
    for step in steps:
        running = {}
        for name in step:
            remedy = model.remedies[name]
            if not remedy.applicable(facts):
                continue
            a = start_attempt(remedy, facts, loc, rng)
            running[env.process(remedy_process(env, a))] = a
        while running:
            done = yield simpy.AnyOf(env, [horizon, *running])
            if horizon in done:  # the horizon comes first on a tie (scheduled first)
                for proc, a in running.items():
                    if proc.is_alive:
                        proc.interrupt("horizon")
                    cost += a.cancel_fee
                yield from fallback(env, model, rng, start, cost, results)
                return
            for proc in [p for p in running if p in done]:
                a = running.pop(proc)
                r = a.remedy
                if a.success or r.charge_on_failure:
                    cost += a.cost
                cost += a.damage
                if a.success:
                    facts = (facts | r.sets) - r.clears
                    if r.grants_access:
                        for other, b in running.items():
                            if other.is_alive:
                                other.interrupt("race won")
                            cost += b.cancel_fee
                        results.append((env.now - start, cost))
                        return
    # Steps exhausted.
    yield from fallback(env, model, rng, start, cost, results)


def fallback(env, model: Model, rng, start: float, cost: float, results: list):
    d = model.fallback_duration(rng)
    c = model.fallback_cost(rng)
    yield env.timeout(d)
    results.append((env.now - start, cost + c))


def simulate(model: Model, n: int, seed: int, batch: int = 2000):
    """n incidents, `batch` concurrent incident processes per environment."""
    rng = random.Random(seed)
    results: list = []
    done = 0
    while done < n:
        k = min(batch, n - done)
        env = simpy.Environment()
        for _ in range(k):
            env.process(incident(env, model, rng, results))
        env.run()
        done += k
    assert len(results) == n
    return results


# --------------------------------------------------------------------------------------------
# Statistics and comparison


def mean_se(xs):
    n = len(xs)
    m = math.fsum(xs) / n
    var = math.fsum((x - m) ** 2 for x in xs) / (n - 1)
    return m, math.sqrt(var / n)


def rust_summary(args, scenario_path: Path):
    out = Path(args.rust_dir)
    if not (out / "summary.csv").exists():
        binary = ROOT / "target" / "release" / "lockout"
        if not binary.exists():
            sys.exit(f"{binary} not found: run `cargo build --release` first")
        cmd = [str(binary), "run", str(scenario_path), "--incidents", str(args.rust_incidents),
               "--threads", "1", "--no-plots", "--out", str(out)]
        print("running:", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out / "summary.csv", newline="") as f:
        rows = {r["strategy"]: r for r in csv.DictReader(f)}
    run = json.loads((out / "run.json").read_text())
    return rows, run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "mixed-population.toml"))
    ap.add_argument("--strategy", help="strategy name or index (default: the baseline)")
    ap.add_argument("--all-strategies", action="store_true", help="every strategy in turn")
    ap.add_argument("--incidents", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--rust-dir", default="/tmp/peer-rust",
                    help="a lockout run's --out (made with --threads 1 if it has no summary.csv)")
    ap.add_argument("--rust-incidents", type=int, default=1_000_000)
    args = ap.parse_args()

    scenario_path = Path(args.scenario)
    base = tomllib.loads(scenario_path.read_text())
    strategies = base["strategy"]
    if args.all_strategies:
        chosen = strategies
    elif args.strategy is None:
        chosen = [next(s for s in strategies if s.get("baseline"))]
    elif args.strategy.isdigit():
        chosen = [strategies[int(args.strategy)]]
    else:
        matches = [s for s in strategies if s["name"] == args.strategy]
        if not matches:
            sys.exit(f"no strategy {args.strategy!r}; have: {[s['name'] for s in strategies]}")
        chosen = matches

    rows, run = rust_summary(args, scenario_path)
    rust_eps_per_thread = run["evaluations_per_second"] / run["threads"]
    print(f"SimPy {simpy.__version__}, Python {sys.version.split()[0]}; scenario {scenario_path.name}; "
          f"{args.incidents} incidents per strategy, seed {args.seed}")
    print(f"Rust: {args.rust_dir} ({run['incidents']} incidents, {run['threads']} thread(s), "
          f"{run['evaluations_per_second']:.3e} evaluations/s)\n")

    all_agree = True
    total_n, total_s = 0, 0.0
    for strategy in chosen:
        model = Model(strategy_doc(base, strategy))
        t0 = time.perf_counter()
        res = simulate(model, args.incidents, args.seed)
        secs = time.perf_counter() - t0
        total_n += args.incidents
        total_s += secs
        r = rows[strategy["name"]]
        print(f"strategy: {strategy['name']}  (SimPy {secs:.1f} s, {args.incidents / secs:,.0f} incidents/s)")
        print(f"  {'quantity':<22}{'SimPy mean [95% CI]':>30}{'Rust mean [95% CI]':>30}{'|diff|':>10}{'1.96*se':>10}  agree")
        for label, idx, col in (("time to access (min)", 0, "time_to_access"), ("cost (" + base["currency"] + ")", 1, "cost")):
            m, se = mean_se([x[idx] for x in res])
            if col == "time_to_access":
                rm = float(r["time_to_access_mean_min"])
                lo, hi = float(r["time_to_access_ci95_low_min"]), float(r["time_to_access_ci95_high_min"])
            else:
                rm = float(r["cost_mean"])
                lo, hi = float(r["cost_ci95_low"]), float(r["cost_ci95_high"])
            rse = (hi - lo) / (2 * Z95)
            diff = abs(m - rm)
            bound = Z95 * math.sqrt(se * se + rse * rse)
            ok = diff <= bound
            all_agree &= ok
            print(f"  {label:<22}{m:>12.3f} [{m - Z95 * se:.3f}, {m + Z95 * se:.3f}]"
                  f"{rm:>12.3f} [{lo:.3f}, {hi:.3f}]{diff:>10.3f}{bound:>10.3f}  {'yes' if ok else 'NO'}")
        print()
    simpy_rate = total_n / total_s
    print(f"SimPy: {simpy_rate:,.0f} incidents/s (one incident under one strategy = one evaluation)")
    print(f"Rust:  {rust_eps_per_thread:,.0f} evaluations/s per thread")
    print(f"speed ratio (Rust per thread / SimPy): {rust_eps_per_thread / simpy_rate:,.0f}x")
    print("all means agree within their combined 95% CIs" if all_agree
          else "SOME MEANS DISAGREE (a 5% false alarm rate per pair is expected by chance)")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
