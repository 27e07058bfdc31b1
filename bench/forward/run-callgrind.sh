#!/bin/sh
# Instructions per forwarded packet: runs parley-forward-bench under
# callgrind (nothing collected but the measured loops, each dumped under its
# own label) and prints, per dump, the instructions per unit (forwarded
# packet, or packet of a floor). Annotated per-function breakdowns of every
# dump land in OUT_DIR/annotate-*.txt.
#
#   bench/forward/run-callgrind.sh BUILD_DIR OUT_DIR [parley-forward-bench options]
#
# A second table splits each forwarding dump into stages (inclusive
# instructions per forwarded packet): SRTP unprotect and protect (libsrtp
# and its crypto), nice_agent_send (libnice to the send syscall), and
# Parley's own code (everything else under on_recv: demux, parse, producer,
# retransmission cache, consumer rewrite).
#
# Counts are user-space instructions only: the kernel's share of sendto()
# is invisible to callgrind (the bench's timed table shows it).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR OUT_DIR [bench options]" >&2
	exit 2
fi
build=$1
out=$2
shift 2
mkdir -p "$out"
rm -f "$out"/callgrind.out.* "$out"/annotate-*.txt
valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
	--callgrind-out-file="$out/callgrind.out.%p" \
	"$build/bench/parley-forward-bench" "$@" >"$out/bench.txt" 2>"$out/valgrind.txt" || {
	echo "bench failed; see $out/valgrind.txt" >&2
	tail -20 "$out/valgrind.txt" >&2
	exit 1
}
printf '%-12s %-88s\n' "Ir/unit" "measured loop"
for f in $(ls -v "$out"/callgrind.out.*.* 2>/dev/null); do
	label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	total=$(sed -n 's/^totals: //p' "$f")
	units=${label##*units=}
	n=${f##*.}
	awk -v t="$total" -v u="$units" -v l="$label" 'BEGIN { printf "%-12.0f %s\n", t / u, l }'
	{
		echo "# $label"
		echo "# $total Ir over $units units"
		callgrind_annotate --inclusive=yes --threshold=99 "$f" | sed -n '/file:function/,$p' | head -45
		echo
		echo "# self cost"
		callgrind_annotate --threshold=99 "$f" | sed -n '/file:function/,$p' | head -40
	} >"$out/annotate-$n.txt" 2>/dev/null
done

echo
printf '%-44s %9s %9s %9s %9s %9s\n' "forwarding, Ir per forwarded packet" "total" "unprotect" "protect" "nice_send" "parley"
for f in $(ls -v "$out"/callgrind.out.*.* 2>/dev/null); do
	label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	case $label in fwd*) ;; *) continue ;; esac
	total=$(sed -n 's/^totals: //p' "$f")
	units=${label##*units=}
	callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null | awk -v t="$total" -v u="$units" -v l="$label" '
		function keep(name, v) { if (v > cost[name]) cost[name] = v }
		/^ *[0-9,]+ \([ 0-9.]+%\)  [^ ]*:[A-Za-z_0-9]+ / {
			v = $1; gsub(",", "", v)
			fn = $0; sub(/^.*%\)  /, "", fn); sub(/ .*/, "", fn); sub(/.*:/, "", fn)
			keep(fn, v + 0)
		}
		END {
			split(l, w, " "); name = w[2] " " w[3] " " w[4]
			un = cost["srtp_session_unprotect"]; pr = cost["srtp_session_protect"]; ns = cost["nice_agent_send"]
			printf "%-44s %9.0f %9.0f %9.0f %9.0f %9.0f\n", name, t / u, un / u, pr / u, ns / u,
			       (cost["on_recv"] - un - pr - ns) / u
		}'
done
