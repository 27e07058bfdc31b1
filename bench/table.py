#!/usr/bin/env python3
"""Markdown tables from a bench/run.py results file, as docs/benchmarks.md shows them.

    bench/table.py bench/results/DATE.json

One table per scenario: server CPU per forwarded packet and per Mbit, the
ratio to Janus (default and event_loops = 2) at the same N, RSS per
subscriber, loss, added delay and join times. Runs that failed say so.
"""
import json
import sys


def row_key(r):
    return (r.get('scenario', ''), r.get('n', 0))


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else '–'


def cell(r, janus):
    s = r.get('server_proc', {})
    us = s.get('us_per_packet')
    if r.get('error'):
        return None
    ratios = []
    for j in janus:
        ju = j.get('server_proc', {}).get('us_per_packet') if j and not j.get('error') else None
        ratios.append(f'{us / ju:.2f}' if us and ju else '–')
    ps = r.get('per_subscriber', {})
    d = r.get('delay_us', {})
    k = r.get('join_ms', {}).get('first_keyframe', {})
    host = r.get('host', {})
    window = max(r.get('window_s', 1), 1e-3)
    return [fmt(us, '.1f'), fmt(s.get('ms_per_mbit'), '.2f'), *ratios, fmt(s.get('cpu_util'), '.2f'),
            fmt(s.get('rss_kb_per_subscriber'), '.0f'), f"{ps.get('lost_total', 0)}",
            f"{fmt(d.get('p50', 0) / 1000, '.1f')} / {fmt(d.get('p99', 0) / 1000, '.1f')}",
            f"{fmt(k.get('p50'), '.0f')} / {fmt(k.get('p99'), '.0f')}",
            f"{r.get('connected', 0)}", fmt(host.get('other_cpu_s', 0) / window, '.2f')]


def main():
    data = json.load(open(sys.argv[1]))
    runs = data['runs']
    by = {}
    for r in runs:
        by.setdefault(row_key(r), {})[r.get('target')] = r
    head = ['target', 'N', 'µs/pkt', 'ms/Mbit', '÷ janus', '÷ janus-el2', 'server cores', 'RSS kB/sub',
            'lost', 'delay p50/p99 ms', 'keyframe p50/p99 ms', 'connected', 'other load']
    for scenario in ('fanout', 'meeting', 'churn'):
        keys = sorted(k for k in by if k[0] == scenario)
        if not keys:
            continue
        print(f'\n**{scenario}**\n')
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---|' * len(head))
        for key in keys:
            group = by[key]
            janus = [group.get('janus'), group.get('janus-el2')]
            for target in ('parley', 'parley-gcm', 'janus', 'janus-el2'):
                r = group.get(target)
                if not r:
                    continue
                c = cell(r, janus if target.startswith('parley') else [None, None])
                if c is None:
                    print(f"| {target} | {key[1]} | error: {r.get('error')} |" + ' |' * (len(head) - 3))
                else:
                    print(f'| {target} | {key[1]} | ' + ' | '.join(c) + ' |')


if __name__ == '__main__':
    main()
