#!/usr/bin/env bash
# Regenerates the committed reference results of every shipped scenario, each with the seed and
# incident count its file sets (the README's main command does the same for one scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
# Calibration first: the flagship's [uncertainty] parameters fitted to its targets. The posterior
# joint sample becomes the scenario's `samples` file (read by `lockout uncertainty` below) and
# the README's Calibration section shows calibration.md (tests/integration/calibration.rs
# checks both copies).
./target/release/lockout calibrate scenarios/mixed-population.toml \
  --targets scenarios/targets/mixed-population.toml
cp results/mixed-population-calibration/posterior.csv scenarios/mixed-population.posterior.csv
python3 - <<'PY'
begin, end = "<!-- calibration.md begins -->\n", "<!-- calibration.md ends -->"
readme = open("README.md").read()
table = open("results/mixed-population-calibration/calibration.md").read()
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + table + end + tail)
PY
for scenario in scenarios/*.toml; do
  ./target/release/lockout run "$scenario"
done
# Decisions under uncertainty: the flagship's [uncertainty] section, its own draws and incidents.
./target/release/lockout uncertainty scenarios/mixed-population.toml
