#!/usr/bin/env python3
"""Writes tests/fixtures/oasis/: Oasis' own EP and AAL calculators run on lockout's ORD SPLT.

`tests/integration/oasis.rs` compares lockout's `ord/ept.csv` and `ord/alt.csv` with the
tables written here, within 1e-6, so `cargo test` checks agreement with Oasis without Python.
Rerun this only when the EP/AAL definitions or the cases below change:

    pip install --break-system-packages oasislmf==2.5.8 pandas
    python3 benches/oasis_fixture.py            # builds lockout with cargo first

Cases (one folder each under tests/fixtures/oasis/):

* `delivery-fleet-30`: a region run, `lockout run scenarios/delivery-fleet.toml --periods 30
  --set region.vehicles=60 --ord --event-table`; its `ord/splt.csv` and
  `ord/summary-info.csv` are copied into the fixture (the test reads the copy, so the fixture
  does not move when the model does). With P = 30 the return periods 25 and 20 fall between
  the same two ranks (rank 1, RP 30, and rank 2, RP 15): Oasis' TVaR depends on both.
* `crafted-30`: a generated SPLT with P = 30, ties, periods without loss, one period holding
  most events, and a SummaryId with no loss at all (Oasis writes no rows for it).

How a SPLT becomes oasislmf's input. lecpy (EP) and aalpy (AAL) do not read CSV: they read
summary streams, the binary output of summarypy, from `<run_dir>/work/<subfolder>/*.bin`, and an
occurrence file `<run_dir>/input/occurrence.bin` that maps each event to its period. So:

1. Events. Oasis' `event_id` names one event of a fixed event set that the occurrence file
   places in periods; lockout's `EventId` restarts at 1 in each period. Every distinct
   (Period, EventId) pair of the SPLT becomes its own Oasis event, numbered 1, 2, … in SPLT
   order, with one occurrence row (event_id, period_no = Period, occ_date_id from Year, Month,
   Day). The occurrence header is date_opts = 1 (ktools' date algorithm, no granular dates)
   and no_of_periods = P (periods without loss have no rows but count).
2. Summary stream (oasislmf.pytools.common.event_stream): the header is the stream type
   (3 bytes aggregation type 1, then 1 byte source type 3 = summary), the sample count (int32,
   1) and the summary set id (int32, 1). Then, per (event, SummaryId): event_id (int32),
   summary_id (int32), exposure value (float), and (sidx int32, loss float) pairs: sidx -1
   (the mean, read for EPCalc 1 and ALT SampleType 1, ignored here) and sidx 1 (the sample,
   = SPLT `Loss`), closed by (0, 0.0).
3. Floats. The stream's float type is oasislmf's `oasis_float`, float32 unless OASIS_FLOAT is
   set; this script sets OASIS_FLOAT=f8 so the SPLT's losses reach Oasis unrounded (float32
   would round a loss of 1000 by up to 3e-5, hiding a 1e-6 comparison). NUMBA_CACHE_DIR points
   to a fresh folder so no function compiled for float32 is reused.
4. Return periods: `input/returnperiods.bin` (int32 each) lists lockout's standard return periods
   (1000, 500, 250, 200, 100, 50, 25, 20, 10, 5, 2; Oasis wants them descending; those above
   P are skipped by both). No `periods.bin`: equal period weights 1/P.
5. Calculators: `lecpy -F -f -r` (full uncertainty, AEP and OEP, return-period file) and
   `aalpy -a`, both writing parquet (full float64; their CSV writer rounds to six decimals).
   The fixture keeps EPCalc 2 (full uncertainty) rows of the EPT and SampleType 2 (sample)
   rows of the ALT, written in Python's shortest round-trip form.
"""

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OASISLMF_VERSION = "2.5.8"
RETURN_PERIODS = [1000, 500, 250, 200, 100, 50, 25, 20, 10, 5, 2]
SPLT_HEADER = [
    "Period", "PeriodWeight", "EventId", "Year", "Month", "Day", "Hour", "Minute",
    "SummaryId", "SampleId", "Loss", "ImpactedExposure",
]
ROOT = Path(__file__).resolve().parent.parent


def check_version():
    import importlib.metadata

    got = importlib.metadata.version("oasislmf")
    if got != OASISLMF_VERSION:
        sys.exit(f"oasislmf {got} installed; this fixture is pinned to {OASISLMF_VERSION}:\n"
                 f"  pip install --break-system-packages oasislmf=={OASISLMF_VERSION}")


def date_id(y, m, d):
    """ktools' occ_date_id (days) for a date, the inverse of pytools' occ_get_date."""
    mm = (m + 9) % 12
    y = y - mm // 10
    return 365 * y + y // 4 - y // 100 + y // 400 + (mm * 306 + 5) // 10 + (d - 1)


def region_case(lockout, case_dir):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "run")
        subprocess.run(
            [str(lockout), "run", str(ROOT / "scenarios/delivery-fleet.toml"), "--periods", "30",
             "--set", "region.vehicles=60", "--ord", "--event-table", "--no-plots", "--quiet",
             "--out", str(out)],
            check=True,
        )
        shutil.copy(out / "ord/splt.csv", case_dir / "splt.csv")
        shutil.copy(out / "ord/summary-info.csv", case_dir / "summary-info.csv")
    (case_dir / "periods.txt").write_text("30\n")


def crafted_case(case_dir):
    rng = random.Random(20261206)
    periods = 30
    rows = []
    for period in range(1, periods + 1):
        # Summary 1: a third of the periods without loss, ties among the rest.
        n1 = 0 if period % 3 == 0 else 1 + rng.randrange(3)
        # Summary 2: mostly quiet, period 7 holds many events.
        n2 = 40 if period == 7 else (1 if period % 5 == 1 else 0)
        events = []
        for _ in range(n1):
            events.append((1, rng.choice([64.0, 128.0, 250.5]) + rng.randrange(4) * 100.0))
        for _ in range(n2):
            events.append((2, rng.randrange(1, 64_000) / 64.0))
        for event_id, (summary_id, loss) in enumerate(events, start=1):
            rows.append([period, 1.0 / periods, event_id, period, 1 + period % 12, 1 + event_id % 28,
                         event_id % 24, 0, summary_id, 1, loss, 0])
    with open(case_dir / "splt.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SPLT_HEADER)
        for r in rows:
            w.writerow([repr(x) if isinstance(x, float) else x for x in r])
    with open(case_dir / "summary-info.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["SummaryId", "strategy", "perspective"])
        # SummaryId 3 has no loss in any period: absent from the SPLT.
        for sid in (1, 2, 3):
            w.writerow([sid, f"crafted {sid}", "ground_up"])
    (case_dir / "periods.txt").write_text(f"{periods}\n")


def write_oasis_inputs(case_dir, run_dir):
    import numpy as np

    periods = int((case_dir / "periods.txt").read_text())
    with open(case_dir / "splt.csv") as f:
        splt = list(csv.DictReader(f))
    event_of = {}
    occurrence = []
    for r in splt:
        key = (int(r["Period"]), int(r["EventId"]))
        if key not in event_of:
            event_of[key] = len(event_of) + 1
            occurrence.append((event_of[key], key[0],
                               date_id(int(r["Year"]), int(r["Month"]), int(r["Day"]))))
    (run_dir / "input").mkdir(parents=True)
    (run_dir / "work/summary").mkdir(parents=True)
    with open(run_dir / "input/occurrence.bin", "wb") as f:
        f.write(np.array([1, periods], dtype="<i4").tobytes())
        f.write(np.array(occurrence, dtype="<i4").tobytes())
    with open(run_dir / "input/returnperiods.bin", "wb") as f:
        f.write(np.array(RETURN_PERIODS, dtype="<i4").tobytes())
    summary_stream_id, item_stream = 3, 1
    with open(run_dir / "work/summary/P1.bin", "wb") as f:
        f.write(np.array([item_stream], "<i4").tobytes()[:3] + np.int8(summary_stream_id).tobytes())
        f.write(np.array([1, 1], dtype="<i4").tobytes())  # sample count, summary set id
        for r in splt:
            event = event_of[(int(r["Period"]), int(r["EventId"]))]
            loss = float(r["Loss"])
            f.write(np.array([event, int(r["SummaryId"])], dtype="<i4").tobytes())
            f.write(np.array([0.0], dtype="<f8").tobytes())  # exposure value
            for sidx, value in ((-1, loss), (1, loss), (0, 0.0)):
                f.write(np.array([sidx], dtype="<i4").tobytes())
                f.write(np.array([value], dtype="<f8").tobytes())


def run_oasis(run_dir, case_dir):
    import pandas as pd

    env = dict(os.environ, OASIS_FLOAT="f8", NUMBA_CACHE_DIR=str(run_dir / "numba-cache"))
    ept, alt = run_dir / "ept.parquet", run_dir / "alt.parquet"
    subprocess.run(["lecpy", "--run_dir", str(run_dir), "-K", "summary", "-F", "-f", "-r",
                    "-O", str(ept), "-E", "parquet"], check=True, env=env, cwd=run_dir)
    subprocess.run(["aalpy", "--run_dir", str(run_dir), "-K", "summary", "-a", str(alt),
                    "-E", "parquet"], check=True, env=env, cwd=run_dir)
    e = pd.read_parquet(ept)
    e = e[e["EPCalc"] == 2]
    with open(case_dir / "ept.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"])
        for r in e.itertuples(index=False):
            w.writerow([int(r.SummaryId), int(r.EPCalc), int(r.EPType),
                        repr(float(r.ReturnPeriod)), repr(float(r.Loss))])
    a = pd.read_parquet(alt)
    a = a[a["SampleType"] == 2]
    with open(case_dir / "alt.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["SummaryId", "SampleType", "MeanLoss", "SDLoss"])
        for r in a.itertuples(index=False):
            w.writerow([int(r.SummaryId), int(r.SampleType), repr(float(r.MeanLoss)),
                        repr(float(r.SDLoss))])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests/fixtures/oasis"))
    ap.add_argument("--lockout", default=None,
                    help="lockout binary (default: cargo build, then target/debug/lockout)")
    args = ap.parse_args()
    check_version()
    lockout = args.lockout
    if lockout is None:
        subprocess.run(["cargo", "build", "--locked"], cwd=ROOT, check=True)
        lockout = ROOT / "target/debug/lockout"
    out = Path(args.out)
    for name, make in (("delivery-fleet-30", lambda d: region_case(lockout, d)),
                       ("crafted-30", crafted_case)):
        case_dir = out / name
        if case_dir.exists():
            shutil.rmtree(case_dir)
        case_dir.mkdir(parents=True)
        make(case_dir)
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp)
            write_oasis_inputs(case_dir, run_dir)
            run_oasis(run_dir, case_dir)
        print(f"wrote {case_dir}")


if __name__ == "__main__":
    main()
