#!/usr/bin/env python3
"""Plots of a benchmark results file (bench/run.py writes it and calls this).

  bench/plot.py bench/results/DATE.json           PNGs
  bench/plot.py --table FILE.json...              a Markdown table of every run

Writes, next to the file: STEM-cpu.png (server CPU per forwarded packet
against fan-out N, one line per target), STEM-rss.png (server RSS per
subscriber against N), STEM-delay.png (p99 added delay against N), when
meetings were run, STEM-meeting.png (CPU per forwarded packet against K),
and when the SIP scenario was run, STEM-sip.png (share of a core per SIP
caller against concurrent callers N, Parley and SIPp).
Uses gnuplot (pngcairo).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

COLORS = {'parley': '#1f77b4', 'parley-gcm': '#2ca02c', 'janus': '#d62728', 'janus-el2': '#ff7f0e',
          'sipp (callers)': '#7f7f7f'}


def rss_per_subscriber(r):
    """(RSS at the end - RSS with the publisher only) / receivers connected."""
    s = r.get('server_proc', {})
    n = min(r['n'], r.get('connected', r['n'])) if r['scenario'] == 'fanout' else r['n']
    if 'rss_kb' not in s or not n:
        return None
    return (s['rss_kb'] - s.get('rss_kb_before_join', 0)) / n


def series(results, scenario, metric):
    """{target: [(n, value), ...]} from the runs without errors."""
    out = {}
    for r in results:
        if r.get('scenario') != scenario or r.get('error'):
            continue
        v = metric(r)
        if v is None:
            continue
        out.setdefault(r['target'], []).append((r['n'], v))
    for t in out:
        out[t].sort()
    return out


def sip_series(results):
    """Parley's and SIPp's CPU per caller, in % of a core, against N."""
    out = {}
    for r in results:
        if r.get('scenario') != 'sip' or r.get('error') or not r.get('window_s'):
            continue
        out.setdefault('parley', []).append((r['n'], r['server_proc']['pct_core_per_caller']))
        out.setdefault('sipp (callers)', []).append((r['n'], 100 * r['sipp']['cpu_util'] / r['n']))
    for t in out:
        out[t].sort()
    return out


def gnuplot(data, png, title, xlabel, ylabel, logx=True, logy=False):
    if not data:
        return None
    tmp = tempfile.mkdtemp(prefix='bench-plot-')
    plots = []
    for i, (target, points) in enumerate(sorted(data.items())):
        path = os.path.join(tmp, f'{i}.dat')
        with open(path, 'w') as f:
            for n, v in points:
                f.write(f'{n} {v}\n')
        color = COLORS.get(target, 'black')
        plots.append(f"'{path}' using 1:2 with linespoints lw 2 pt 7 lc rgb '{color}' title '{target}'")
    script = f'''set terminal pngcairo size 900,560 font "sans,11"
set output '{png}'
set title "{title}"
set xlabel "{xlabel}"
set ylabel "{ylabel}"
set grid
set key top left
{'set logscale x 2' if logx else ''}
{'set logscale y' if logy else 'set yrange [0:*]'}
plot {', '.join(plots)}
'''
    subprocess.run(['gnuplot'], input=script, text=True, check=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return png


def plot_fanout(results, stem):
    if not shutil.which('gnuplot'):
        print('gnuplot not installed: no plots (scripts/install-deps.sh bench)', file=sys.stderr)
        return []
    srv = lambda key: (lambda r: r.get('server_proc', {}).get(key))
    pngs = [
        gnuplot(series(results, 'fanout', srv('us_per_packet')), stem + '-cpu.png',
                'Fan-out: server CPU per forwarded packet (user+sys, all threads)',
                'subscribers N (1 publisher: Opus + VP8 1.2 Mbit/s)', 'µs per forwarded packet'),
        gnuplot(series(results, 'fanout', lambda r: rss_per_subscriber(r) if r['n'] > 1 else None),
                stem + '-rss.png',
                'Fan-out: server RSS per subscriber ((RSS - RSS with the publisher only) / subscribers connected)',
                'subscribers N', 'kB per subscriber'),
        gnuplot(series(results, 'fanout', lambda r: r.get('delay_us', {}).get('p99')), stem + '-delay.png',
                'Fan-out: p99 added delay, publisher send to subscriber receive (loopback)',
                'subscribers N', 'µs', logy=True),
        gnuplot(series(results, 'meeting', srv('us_per_packet')), stem + '-meeting.png',
                'Meeting: server CPU per forwarded packet', 'participants K (each publishes to all)',
                'µs per forwarded packet', logx=False),
        gnuplot(sip_series(results), stem + '-sip.png',
                'SIP callers in one room: CPU per caller (decode, mix the 3 loudest, encode; PCMU 20 ms)',
                'concurrent SIP callers N (half speaking)', '% of one core per caller'),
    ]
    return [p for p in pngs if p]


def table(results):
    """One Markdown row per run: the figures the issue asks for."""
    rows = ['| target | scenario | N | SRTP | server CPU (cores) | µs/pkt | ms/Mbit | RSS kB/sub '
            '| pkts/sub (min) | lost (total, max/sub) | delay p50/p99 µs | join→key p50/p99 ms | other CPU (cores) |',
            '|' + '---|' * 13]
    for r in results:
        if r.get('scenario', '').startswith('sip'):
            continue   # bench/table.py prints the SIP tables
        if r.get('client') == 'wrtc':
            s = r.get('server_proc', {})
            rows.append(f"| {r['target']} (wrtc) | fanout | {r['n']} | CM-80 | | {s.get('us_per_packet', 0):.1f} "
                        f"| | | | {r.get('lost', '')} | | | |")
            continue
        if r.get('error'):
            rows.append(f"| {r['target']} | {r['scenario']} | {r['n']} | | | | | | | {r['error']} | | | |")
            continue
        s, ps, d = r.get('server_proc', {}), r.get('per_subscriber', {}), r.get('delay_us', {})
        j = r.get('join_ms', {}).get('first_keyframe', {})
        w = max(r.get('window_s', 1), 1e-3)
        note = '' if r.get('connected', 0) >= r['n'] else f" ({r.get('connected')} connected)"
        srtp = {'SRTP_AES128_CM_HMAC_SHA1_80': 'CM-80', 'SRTP_AEAD_AES_128_GCM': 'GCM-128'}.get(r.get('srtp'), r.get('srtp'))
        rows.append(f"| {r['target']} | {r['scenario']} | {r['n']}{note} | {srtp} | {s.get('cpu_util', 0):.2f} "
                    f"| {s.get('us_per_packet', 0):.1f} | {s.get('ms_per_mbit', 0):.2f} "
                    f"| {rss_per_subscriber(r) or 0:.0f} | {ps.get('packets_min', 0)} "
                    f"| {ps.get('lost_total', 0)}, {ps.get('lost_max', 0)} | {d.get('p50', 0)}/{d.get('p99', 0)} "
                    f"| {j.get('p50', 0):.0f}/{j.get('p99', 0):.0f} "
                    f"| {r.get('host', {}).get('other_cpu_s', 0) / w:.2f} |")
    return '\n'.join(rows)


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == '--table':
        runs = []
        for path in args[1:]:
            with open(path) as f:
                runs += json.load(f)['runs']
        print(table(runs))
        return
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    with open(path) as f:
        results = json.load(f)['runs']
    stem = path[:-5] if path.endswith('.json') else path
    for p in plot_fanout(results, stem):
        print(p)


if __name__ == '__main__':
    main()
