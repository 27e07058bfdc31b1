#!/bin/sh
# Every test Parley has, in order of cost: unit tests (release and
# ASan+UBSan builds), each libFuzzer target for a bounded time, the browser
# end-to-end tests inside a loopback-only network namespace against the
# release build, a quick run of the benchmark suite (Parley only: the load
# generator, SIPp callers, bench/check.py on what they saw), and the
# end-to-end tests again against the ASan+UBSan build.
# Ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0
failed=0
failures=""

step() {
	step_name=$1
	shift
	echo "=== $step_name"
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $step_name: passed"
	else
		failed=$((failed + 1))
		failures="$failures $step_name"
		echo "=== $step_name: FAILED"
	fi
}

build() {
	dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j "$JOBS"
}

unit() {
	(cd "$1" && ctest --output-on-failure --timeout 120)
}

fuzz_one() {
	target=$1
	name=$(basename "$target" | sed 's/^fuzz_//')
	corpus=$(mktemp -d)
	cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
	if "$target" -max_total_time="$FUZZ_SECONDS" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build-fuzz/"$name"- "$corpus" 2>build-fuzz/"$name".log; then
		echo "--- fuzz $name for ${FUZZ_SECONDS}s: $(grep -E "stat::number_of_executed_units" build-fuzz/"$name".log)"
	else
		echo "--- fuzz $name FAILED"
		tail -40 build-fuzz/"$name".log
		touch build-fuzz/"$name".failed
	fi
	rm -rf "$corpus"
}

# One target per core at a time: each is single-threaded.
fuzz() {
	rm -f build-fuzz/*.failed
	running=0
	for target in build-fuzz/fuzz_*; do
		[ -x "$target" ] || continue
		fuzz_one "$target" &
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then
			wait
			running=0
		fi
	done
	wait
	! ls build-fuzz/*.failed >/dev/null 2>&1
}

# PARLEY_SANITIZED tells the few latency bounds that the server runs several
# times slower under ASan; the release run holds them to the real figure.
e2e() {
	bin=$1
	sanitized=$2
	unshare -n sh -c "ip link set lo up && cd '$ROOT/tests/e2e' && PARLEY_BIN='$ROOT/$bin' \
		PARLEY_SANITIZED=$sanitized timeout 1500 node --test --test-concurrency=1 --test-timeout=180000"
}

# The benchmark machinery end to end, small and short: what must hold at any
# speed is checked, no figure is (docs/benchmarks.md has those).
bench() {
	rm -rf build/bench-smoke
	timeout 600 python3 bench/run.py --quick --targets parley,parley-gcm --sip-sizes 2 --sip-rates 10 \
		--out build/bench-smoke && python3 bench/check.py build/bench-smoke/*.json
}

step build build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
step unit unit build
step build-asan build build-asan -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON
step unit-asan unit build-asan
step build-fuzz build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DPARLEY_FUZZ=ON -DPARLEY_SANITIZE=ON -DPARLEY_TESTS=OFF
step fuzz fuzz
step e2e e2e build/parley 0
step bench bench
step e2e-asan e2e build-asan/parley 1

[ -n "$failures" ] && echo "failed steps:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
