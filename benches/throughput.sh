#!/usr/bin/env bash
# Reproducible throughput report for lockout (issue 5).
#
#   benches/throughput.sh                 # mixed-population at 10^6, 10^7, 10^8 incidents, 1 and 2 threads
#   benches/throughput.sh --max-exp 7     # stop at 10^7 (10^8 takes a few minutes per thread count)
#   LOCKOUT_MAX_EXP=7 benches/throughput.sh
#   benches/throughput.sh --min-exp 8     # only 10^8 (no memory ratio then: it needs 10^6 too)
#   benches/throughput.sh --scenarios     # every scenarios/*.toml at 10^6 incidents, 2 threads
#   benches/throughput.sh --region        # metro-roadside-club at 10,000 periods, 2 threads
#   benches/throughput.sh --region --periods 1000 --threads "1 2"
#   benches/throughput.sh --uncertainty   # lockout uncertainty on mixed-population: 200 draws x
#                                         # 50,000 incidents, all strategies, 2 threads (target < 20 s)
#   benches/throughput.sh --uncertainty --draws 200 --incidents 50000 --reps 3
#   benches/throughput.sh --calibrate     # lockout calibrate on mixed-population with its targets
#                                         # (3 x 1,000 sets x 20,000 incidents), 1 and 2 threads
#   options: --threads "1 2"  --scenario FILE  --no-build  --reps K (median of K runs per cell)
#
# Builds `cargo build --release`, then runs
#   target/release/lockout run SCENARIO --no-plots --out TMP --incidents N --threads T
# under `/usr/bin/time -v`, reads wall_time_s, incidents_per_second and evaluations_per_second
# from TMP/run.json and the peak memory ("Maximum resident set size") from time's report.
# Prints one row per (N, T), the 1->2 thread scaling per N and the ratio of peak RSS at the
# largest N to that at 10^6. The machine is shared: `uptime` is printed before and after, and
# single runs vary by 10-20 %; use --reps 3 for medians.
set -euo pipefail

cd "$(dirname "$0")/.."
max_exp="${LOCKOUT_MAX_EXP:-8}"
min_exp="${LOCKOUT_MIN_EXP:-6}"
threads_list="1 2"
mode=table
build=1
reps=1
scenario=scenarios/mixed-population.toml
periods=10000
draws=200
draw_incidents=50000
while [ $# -gt 0 ]; do
  case "$1" in
    --max-exp) max_exp="$2"; shift 2 ;;
    --max-exp=*) max_exp="${1#*=}"; shift ;;
    --min-exp) min_exp="$2"; shift 2 ;;
    --threads) threads_list="$2"; threads_set=1; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    --scenarios) mode=scenarios; shift ;;
    --region) mode=region; shift ;;
    --uncertainty) mode=uncertainty; shift ;;
    --calibrate) mode=calibrate; shift ;;
    --draws) draws="$2"; shift 2 ;;
    --incidents) draw_incidents="$2"; shift 2 ;;
    --periods) periods="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --reps) reps="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$max_exp" in 6|7|8|9) ;; *) echo "--max-exp must be 6..9 (got $max_exp)" >&2; exit 2 ;; esac
case "$min_exp" in 6|7|8|9) ;; *) echo "--min-exp must be 6..9 (got $min_exp)" >&2; exit 2 ;; esac
[ "$min_exp" -le "$max_exp" ] || { echo "--min-exp above --max-exp" >&2; exit 2; }

if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time not found; installing GNU time (apt-get install -y time)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
  else sudo apt-get install -y time >/dev/null; fi
fi
command -v python3 >/dev/null || { echo "python3 is needed to read run.json" >&2; exit 1; }

if [ "$build" = 1 ]; then
  cargo build --release --quiet
fi
bin=target/release/lockout
[ -x "$bin" ] || { echo "$bin not found (run without --no-build)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lockout-throughput.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# run_one SCENARIO N T -> prints "wall_s incidents_per_s evaluations_per_s peak_rss_kib"
run_one() {
  local sc="$1" n="$2" t="$3" out="$work/out" tv="$work/time.txt"
  rm -rf "$out"
  if ! /usr/bin/time -v -o "$tv" "$bin" run "$sc" --no-plots --out "$out" \
       --incidents "$n" --threads "$t" >"$work/stdout.txt" 2>"$work/stderr.txt"; then
    echo "run failed: $bin run $sc --incidents $n --threads $t" >&2
    cat "$work/stderr.txt" >&2
    return 1
  fi
  python3 - "$out/run.json" "$tv" <<'PY'
import json, re, sys
run = json.load(open(sys.argv[1]))
def find(d, key):
    if isinstance(d, dict):
        if key in d:
            return d[key]
        for v in d.values():
            r = find(v, key)
            if r is not None:
                return r
    return None
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read())
print(find(run, "wall_time_s"), find(run, "incidents_per_second"),
      find(run, "evaluations_per_second"), rss.group(1) if rss else "nan")
PY
}

# median_of K SCENARIO N T: the run with the median evaluations/s of K runs
median_of() {
  local k="$1"; shift
  local rows=()
  for _ in $(seq "$k"); do rows+=("$(run_one "$@")"); done
  printf '%s\n' "${rows[@]}" | sort -g -k3 | sed -n "$(( (k + 1) / 2 ))p"
}

echo "machine: $(nproc) cores; $(uptime)"
echo "binary:  $bin ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty'))"

if [ "$mode" = calibrate ]; then
  # The calibration target (< 5 min on 2 cores): every round's sets simulated under one
  # strategy, compiling each set's scenario, the tables (no figure); incidents/s and peak memory.
  targets="scenarios/targets/$(basename "$scenario")"
  echo "scenario: $scenario, targets $targets"
  printf '\n%8s %10s %14s %12s %8s\n' threads wall_s incidents/s peak_RSS_MiB ESS
  for t in $threads_list; do
    for _ in $(seq "$reps"); do
      out="$work/out"; tv="$work/time.txt"; rm -rf "$out"
      /usr/bin/time -v -o "$tv" "$bin" -q calibrate "$scenario" --targets "$targets" --no-plots \
        --out "$out" --threads "$t" \
        >"$work/stdout.txt" 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
      python3 - "$out/run.json" "$tv" "$t" <<'PY'
import json, re, sys
run = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
secs = (int(wall.group(1) or 0) * 60 + int(wall.group(2))) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{sys.argv[3]:>8} {secs:10.2f} {run['incidents_per_second']:14.3e} {rss / 1024:12.1f} {run['effective_sample_size']:8.0f}")
PY
    done
  done
  echo "uptime after: $(uptime)"
  exit 0
fi

if [ "$mode" = uncertainty ]; then
  # The uncertainty target: D parameter draws x N incidents under every strategy, plus the
  # one-way runs (1 + 2 per parameter), wall time of the whole command (compiling every draw's
  # scenario, simulating, tables; no figures), evaluations/s and peak memory.
  [ "$threads_list" = "1 2" ] && [ -z "${threads_set:-}" ] && threads_list=2
  echo "scenario: $scenario, $draws draws x $draw_incidents incidents"
  printf '\n%8s %10s %14s %12s\n' threads wall_s evaluations/s peak_RSS_MiB
  for t in $threads_list; do
    walls=()
    for _ in $(seq "$reps"); do
      out="$work/out"; tv="$work/time.txt"; rm -rf "$out"
      /usr/bin/time -v -o "$tv" "$bin" -q uncertainty "$scenario" --no-plots --out "$out" \
        --draws "$draws" --incidents "$draw_incidents" --threads "$t" \
        >"$work/stdout.txt" 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
      row="$(python3 - "$out/run.json" "$tv" "$t" <<'PY'
import json, re, sys
run = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
secs = (int(wall.group(1) or 0) * 60 + int(wall.group(2))) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{sys.argv[3]:>8} {secs:10.2f} {run['evaluations_per_second']:14.3e} {rss / 1024:12.1f}")
PY
)"
      echo "$row"
      walls+=("$(awk '{print $2}' <<<"$row")")
    done
    if [ "$reps" -gt 1 ]; then
      printf '%8s %10s  (median wall time of %s runs with %s threads)\n' "" \
        "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (reps + 1) / 2 ))p")" "$reps" "$t"
    fi
  done
  echo "uptime after: $(uptime)"
  exit 0
fi

if [ "$mode" = region ]; then
  # The region target: a region scenario at P periods, all its strategies, wall time of the
  # whole command (simulation and tables), events/s and peak memory.
  [ "$scenario" = scenarios/mixed-population.toml ] && scenario=scenarios/metro-roadside-club.toml
  [ "$threads_list" = "1 2" ] && [ -z "${threads_set:-}" ] && threads_list=2
  echo "scenario: $scenario, $periods periods"
  printf '\n%8s %10s %14s %12s\n' threads wall_s events/s peak_RSS_MiB
  # One row per run (--reps K runs each thread count K times), then the median wall time.
  for t in $threads_list; do
    walls=()
    for _ in $(seq "$reps"); do
      out="$work/out"; tv="$work/time.txt"; rm -rf "$out"
      /usr/bin/time -v -o "$tv" "$bin" run "$scenario" --no-plots --out "$out" \
        --periods "$periods" --threads "$t" >"$work/stdout.txt" 2>"$work/stderr.txt" \
        || { cat "$work/stderr.txt" >&2; exit 1; }
      row="$(python3 - "$out/run.json" "$tv" "$t" <<'PY'
import json, re, sys
run = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
secs = (int(wall.group(1) or 0) * 60 + int(wall.group(2))) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{sys.argv[3]:>8} {secs:10.1f} {run['events_per_second']:14.3e} {rss / 1024:12.1f}")
PY
)"
      echo "$row"
      walls+=("$(awk '{print $2}' <<<"$row")")
    done
    if [ "$reps" -gt 1 ]; then
      printf '%8s %10s  (median wall time of %s runs with %s threads)\n' "" \
        "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (reps + 1) / 2 ))p")" "$reps" "$t"
    fi
  done
  echo "uptime after: $(uptime)"
  exit 0
fi

if [ "$mode" = scenarios ]; then
  printf '\n%-36s %10s %12s %14s %14s %9s\n' scenario strategies wall_s incidents/s evaluations/s peak_MiB
  for sc in scenarios/*.toml; do
    row="$(median_of "$reps" "$sc" 1000000 2)" || continue
    read -r wall ips eps rss <<<"$row"
    strategies="$(python3 -c "print(round($eps / $ips))")"
    printf '%-36s %10s %12.3f %14.3e %14.3e %9.1f\n' "$(basename "$sc" .toml)" "$strategies" \
      "$wall" "$ips" "$eps" "$(python3 -c "print($rss / 1024)")"
  done
  echo "uptime after: $(uptime)"
  exit 0
fi

echo "scenario: $scenario"
results="$work/results.txt"
: >"$results"
printf '\n%12s %8s %10s %14s %14s %12s\n' incidents threads wall_s incidents/s evaluations/s peak_RSS_MiB
for exp in $(seq "$min_exp" "$max_exp"); do
  n=$((10 ** exp))
  for t in $threads_list; do
    row="$(median_of "$reps" "$scenario" "$n" "$t")"
    read -r wall ips eps rss <<<"$row"
    echo "$n $t $wall $ips $eps $rss" >>"$results"
    printf '%12s %8s %10.2f %14.3e %14.3e %12.1f\n' "1e$exp" "$t" "$wall" "$ips" "$eps" \
      "$(python3 -c "print($rss / 1024)")"
  done
done

python3 - "$results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
data = {(int(n), int(t)): (float(w), float(i), float(e), float(r)) for n, t, w, i, e, r in rows}
ns = sorted({n for n, _ in data})
ts = sorted({t for _, t in data})
if 1 in ts and 2 in ts:
    print("\n1 -> 2 thread scaling (evaluations/s at 2 threads / at 1 thread):")
    for n in ns:
        if (n, 1) in data and (n, 2) in data:
            print(f"  {n:>12.0e}: {data[(n, 2)][2] / data[(n, 1)][2]:.2f}x")
if len(ns) > 1:
    lo, hi = ns[0], ns[-1]
    print(f"\npeak RSS at {hi:.0e} / at {lo:.0e}:")
    for t in ts:
        if (lo, t) in data and (hi, t) in data:
            a, b = data[(lo, t)][3], data[(hi, t)][3]
            print(f"  {t} thread(s): {b / 1024:.1f} MiB / {a / 1024:.1f} MiB = {b / a:.3f}")
PY
echo
echo "uptime after: $(uptime)"
