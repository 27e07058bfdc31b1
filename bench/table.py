#!/usr/bin/env python3
"""Markdown tables from a bench/run.py results file, as docs/benchmarks.md shows them.

    bench/table.py bench/results/DATE.json

One table per scenario: server CPU per forwarded packet and per Mbit, the
ratio to Janus (default and event_loops = 2) at the same N, RSS per
subscriber, loss, added delay and join times. Runs that failed say so.
SIP runs get their own two tables (CPU per caller; calls set up per second).
"""
import json
import sys


def row_key(r):
    return (r.get('scenario', ''), r.get('n', 0))


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else '–'


def header(title, cols):
    print(f'\n**{title}\n')
    print('| ' + ' | '.join(cols) + ' |')
    print('|' + '---|' * len(cols))


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
        header(f'{scenario}**', head)
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
    sip_tables(runs)


def sip_tables(runs):
    """The SIP legs: CPU per concurrent caller, and calls set up per second."""
    hold = sorted((r for r in runs if r.get('scenario') == 'sip'), key=lambda r: r['n'])
    if hold:
        header('sip** (concurrent callers in one room, half speaking, PCMU 20 ms)',
               ['N', 'Parley cores', '% of a core per caller', 'RSS kB per caller',
                'RTP in / out per caller per s', 'lost', 'INVITE→200 ms', 'SIPp cores', 'other load'])
        for r in hold:
            if r.get('error'):
                print(f"| {r['n']} | error: {r['error'][:120]} |" + ' |' * 7)
                continue
            s, w = r['server_proc'], max(r['window_s'], 1e-3)
            print(f"| {r['n']} | {s['cpu_util']:.3f} | {s['pct_core_per_caller']:.2f} | {fmt(s.get('rss_kb_per_caller'), '.0f')} "
                  f"| {r['rtp_in']['packets_per_caller_per_s']:.1f} / {r['rtp_out']['packets_per_caller_per_s']:.1f} "
                  f"| {r['rtp_in']['lost']} | {fmt(r.get('calls', {}).get('invite_200_ms_mean'), '.0f')} "
                  f"| {r['sipp']['cpu_util']:.3f} | {r['host']['other_cpu_s'] / w:.2f} |")
    setup = sorted((r for r in runs if r.get('scenario') == 'sip-setup'), key=lambda r: r['rate'])
    if setup:
        header('sip-setup** (INVITE/200/ACK/BYE/200 with SDP, no media)',
               ['rate asked (calls/s)', 'calls', 'failed', 'achieved calls/s', 'INVITE→200 ms (mean)',
                'SIPp retransmissions', 'Parley CPU ms per call', 'Parley cores', 'other load'])
        for r in setup:
            c, s = r.get('calls', {}), r.get('server_proc', {})
            w = max(r.get('window_s', 1), 1e-3)
            note = f" ({r['error'][:80]})" if r.get('error') else ''
            print(f"| {r['rate']} | {c.get('successful', 0)}/{r['calls_asked']} | {c.get('failed', '–')}{note} "
                  f"| {fmt(r.get('achieved_cps'), '.1f')} | {fmt(c.get('invite_200_ms_mean'), '.0f')} "
                  f"| {c.get('retransmissions', '–')} "
                  f"| {fmt(s.get('ms_per_call'), '.2f')} | {fmt(s.get('cpu_util'), '.3f')} "
                  f"| {fmt(r.get('host', {}).get('other_cpu_s', 0) / w, '.2f')} |")


if __name__ == '__main__':
    main()
