#!/usr/bin/env bash
# Regenerates the committed reference results of every shipped scenario, each with the seed and
# incident count its file sets (the README's main command does the same for one scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
for scenario in scenarios/*.toml; do
  ./target/release/lockout run "$scenario"
done
# Decisions under uncertainty: the flagship's [uncertainty] section, its own draws and incidents.
./target/release/lockout uncertainty scenarios/mixed-population.toml
