#!/bin/bash
# Builds the libFuzzer targets (if needed) and runs each for a while with
# its seed corpus and dictionary.
#
#   fuzz/run.sh [-t SECONDS] [-r RUNS] [-m MAX_LEN] [-j JOBS] [-B BUILDDIR] [TARGET...]
#
#   -t SECONDS  how long each target runs (default 60)
#   -r RUNS     stop a target after this many executions instead (it still
#               stops at SECONDS; give a large -t with it)
#   -m MAX_LEN  the longest input libFuzzer makes (default 1024: every
#               construct of these formats fits, and short inputs run fast)
#   -j JOBS     targets run at the same time (default 1)
#   -B BUILDDIR the fuzz build (default _build-fuzz; set up with clang if
#               it does not exist)
#   TARGET      fuzz-message, ... (default: every target the build has)
#
# Each target works on a copy of fuzz/corpus/TARGET in a temp dir, so the
# repo is never written to. Prints per target the executions and whether
# anything was found; a finding (crash, leak, timeout, out of memory,
# sanitizer report) is copied to BUILDDIR/fuzz-findings/ and makes the
# script exit 1.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
runs=-1
max_len=1024
jobs=1
builddir="$top/_build-fuzz"

while getopts "t:r:m:j:B:h" opt; do
  case "$opt" in
    t) seconds=$OPTARG ;;
    r) runs=$OPTARG ;;
    m) max_len=$OPTARG ;;
    j) jobs=$OPTARG ;;
    B) builddir=$(realpath -m "$OPTARG") ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" "$top" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Ddocs=disabled -Dtests=false
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  # Every target this build has (fuzz-tool-config needs -Dtools=true).
  mapfile -t targets < <(ninja -C "$builddir" -t targets all |
                         sed -n 's|^fuzz/\(fuzz-[a-z0-9-]*\): c_LINKER.*|\1|p' | sort)
fi

ninja_targets=()
for target in "${targets[@]}"; do
  ninja_targets+=("fuzz/$target")
done
ninja -C "$builddir" "${ninja_targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/ptadapter-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings="$builddir/fuzz-findings"

# Leaks are findings; UBSan stops at the first report (the targets are also
# built with -fno-sanitize-recover); GLib allocates with malloc so that
# ASan sees every block.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:print_stacktrace=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly

run_target() {
  local target=$1
  local dir="$work/$target"
  local args=(
    -max_total_time="$seconds"
    -runs="$runs"
    -max_len="$max_len"
    -timeout=30
    -rss_limit_mb=2048
    -print_final_stats=1
    -artifact_prefix="$dir/artifacts/"
  )

  mkdir -p "$dir/artifacts"
  cp -r "$top/fuzz/corpus/$target" "$dir/corpus" 2>/dev/null || mkdir -p "$dir/corpus"
  if [ -f "$top/fuzz/$target.dict" ]; then
    args+=(-dict="$top/fuzz/$target.dict")
  fi

  set +e
  "$builddir/fuzz/$target" "${args[@]}" "$dir/corpus" > "$dir/log" 2>&1
  echo $? > "$dir/status"
  set -e
}

echo "fuzzing ${#targets[@]} targets for ${seconds}s each$([ "$runs" -ge 0 ] && echo " or $runs executions"), inputs up to $max_len bytes, $jobs at a time"

# Runs the targets, at most $jobs at a time.
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait

failed=0
for target in "${targets[@]}"; do
  dir="$work/$target"
  status=$(cat "$dir/status")
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  # libFuzzer also keeps inputs that took long (slow-unit-*): worth a look,
  # not a failure.
  slow=$(ls "$dir/artifacts" | grep '^slow-unit-' || true)
  found=$(ls "$dir/artifacts" | grep -v '^slow-unit-' || true)
  if [ -n "$slow" ] || [ -n "$found" ] || [ "$status" -ne 0 ]; then
    mkdir -p "$findings"
    for artifact in $slow $found; do
      cp "$dir/artifacts/$artifact" "$findings/$target-$artifact"
    done
    cp "$dir/log" "$findings/$target.log"
  fi
  if [ "$status" -eq 0 ] && [ -z "$found" ]; then
    printf '%-20s %10s executions, nothing found\n' "$target" "${executions:-?}"
    for artifact in $slow; do
      echo "  slow input (not a failure): $findings/$target-$artifact"
    done
    continue
  fi
  failed=1
  printf '%-20s %10s executions, FOUND something (exit status %s)\n' "$target" "${executions:-?}" "$status"
  for artifact in $found $slow; do
    echo "  input: $findings/$target-$artifact"
  done
  echo "  log: $findings/$target.log"
  grep -E -A 30 '^==[0-9]+==ERROR|runtime error|check failed|^SUMMARY' "$dir/log" | head -60 | sed 's/^/  | /'
done

exit "$failed"
