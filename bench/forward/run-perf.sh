#!/bin/sh
# Where the forwarding time goes, kernel included (callgrind sees user space
# only): samples the worker thread with perf (cpu-clock, DWARF call graphs)
# while parley-forward-bench runs, keeps the samples taken inside the timed
# loop (inject_run) and sorts them into stages by what is on their stack.
#
#   bench/forward/run-perf.sh BUILD_DIR OUT_DIR [parley-forward-bench options]
#
# Without options it measures gcm128, 10 subscribers, video, with the peers
# counting rather than decrypting (less of their work between batches).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR OUT_DIR [bench options]" >&2
	exit 2
fi
build=$1
out=$2
shift 2
[ $# -gt 0 ] || set -- --profiles gcm128 --subscribers 10 --kinds video --no-floors --no-verify --repeat 2
mkdir -p "$out"
perf record -q -e cpu-clock -F 2000 --call-graph dwarf,32768 -o "$out/perf.data" -- \
	"$build/bench/parley-forward-bench" "$@" >"$out/bench.txt" 2>&1
perf script -i "$out/perf.data" --comm media-0 -F comm,ip,sym,dso >"$out/perf.script" 2>/dev/null
awk '
function flush(   i, stage, kernel) {
	if (n == 0)
		return
	if (has["inject_run"]) {
		kernel = addr[1] ~ /^ffffffff/
		if (has["srtp_session_protect"])
			stage = "srtp_protect (libsrtp + its crypto)"
		else if (has["srtp_session_unprotect"])
			stage = "srtp_unprotect (libsrtp + its crypto)"
		else if (has["nice_agent_send"] && kernel)
			stage = "send, kernel (sendmsg, loopback delivery)"
		else if (has["nice_agent_send"])
			stage = "send, user (libnice, GIO, libc)"
		else
			stage = kernel ? "other kernel" : "Parley and other user code"
		count[stage]++
		total++
		leaf[(kernel ? "[k] " : "") sym[1]]++
	}
	n = 0
	delete has
}
/^media-0/ { flush(); next }
# "ADDR SYMBOL (DSO)": a symbol-less frame is named after its library.
NF >= 2 {
	n++
	addr[n] = $1
	sym[n] = $2
	if ($2 == "[unknown]" && $NF ~ /^\(/) {
		lib = $NF
		gsub(/^\(|\)$/, "", lib)
		sub(/.*\//, "", lib)
		sym[n] = "[" lib "]"
	}
	has[$2] = 1
}
END {
	flush()
	if (!total) {
		print "no samples inside inject_run"
		exit 1
	}
	printf "%d samples in the timed loop\n\nstage\n", total
	for (s in count)
		printf "  %5.1f%%  %s\n", 100 * count[s] / total, s | "sort -rn"
	close("sort -rn")
	print "\nleaf functions (top 25)"
	for (s in leaf)
		printf "  %5.1f%%  %s\n", 100 * leaf[s] / total, s | "sort -rn | head -25"
	close("sort -rn | head -25")
}' "$out/perf.script"
