#!/usr/bin/env bash
# Freezes the shipped scenarios as golden fixtures: a copy of each scenario file and the tables
# (CSV and run.json) it gives at a reduced size. `tests/integration/golden.rs` runs the frozen
# copies and requires the same bytes, so a change to the model language that is meant to leave
# existing scenarios alone is shown to do so. Rerun this only in a commit that says why every
# shipped scenario's numbers change.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked
for scenario in scenarios/*.toml; do
  stem=$(basename "$scenario" .toml)
  dir=tests/golden/$stem
  mkdir -p "$dir"
  cp "$scenario" "$dir/scenario.toml"
  # A joint sample the scenario's [uncertainty] reads sits beside it.
  if [ -f "scenarios/$stem.posterior.csv" ]; then cp "scenarios/$stem.posterior.csv" "$dir/"; fi
  # Region scenarios at 40 periods, incident scenarios at 100,000 incidents: the suite stays fast.
  if grep -q '^\[region\]' "$scenario"; then size=(--periods 40); else size=(--incidents 100000); fi
  printf '%s\n' "${size[@]}" > "$dir/args"
  rm -rf "$dir/tables"
  ./target/debug/lockout run "$dir/scenario.toml" "${size[@]}" --threads 2 --no-plots --quiet --out "$dir/tables"
  rm -f "$dir/tables/.lockout-files"
done
