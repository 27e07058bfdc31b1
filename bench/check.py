#!/usr/bin/env python3
"""Checks that a bench/run.py results file describes working runs: the CI's
smoke run of the suite (tests/run-all.sh, step "bench").

    bench/check.py RESULTS.json

It asserts what must hold at any speed: every run finished without error
or crash; every subscriber connected, received media and got a keyframe;
every SIP caller was answered and got and sent RTP at the packet rate; every
short call completed. Performance figures are reported, never asserted.
Exits 1 with one line per failing run.
"""
import json
import sys


def problems(r):
    if r.get('error'):
        yield f"error: {r['error'][:200]}"
    if r.get('server_crashed'):
        yield 'the server crashed'
    scenario = r.get('scenario')
    if scenario in ('fanout', 'meeting', 'churn'):
        if r.get('connected', 0) < r.get('receivers', 1):
            yield f"{r.get('connected', 0)} of {r.get('receivers')} receivers connected"
        ps = r.get('per_subscriber', {})
        if ps.get('count', 0) and ps.get('packets_min', 0) == 0:
            yield 'a subscriber received nothing'
        if r.get('join_ms', {}).get('no_keyframe', 0):
            yield f"{r['join_ms']['no_keyframe']} joins never got a keyframe"
    elif scenario == 'sip':
        calls = r.get('calls', {})
        if calls.get('failed', 0) or calls.get('successful', 0) < r.get('n', 0):
            yield f"calls: {calls.get('successful', 0)} of {r.get('n')} answered"
        if r.get('rtp_in', {}).get('callers_seen', 0) < r.get('n', 0):
            yield f"Parley's RTP reached {r.get('rtp_in', {}).get('callers_seen', 0)} of {r.get('n')} callers"
        for way in ('rtp_in', 'rtp_out'):
            rate = r.get(way, {}).get('packets_per_caller_per_s', 0)
            if rate < 40:
                yield f'{way}: {rate} packets per caller per s (20 ms packets: 50)'
    elif scenario == 'sip-setup':
        calls = r.get('calls', {})
        if calls.get('failed', 0) or calls.get('successful', 0) < r.get('calls_asked', 0):
            yield f"short calls: {calls.get('successful', 0)} of {r.get('calls_asked')} completed"


def main():
    runs = json.load(open(sys.argv[1]))['runs']
    bad = 0
    for r in runs:
        name = f"{r.get('target', '?')} {r.get('scenario', '?')} {r.get('n', r.get('rate', ''))}"
        found = list(problems(r))
        bad += bool(found)
        print(f"{'FAIL' if found else 'ok  '} {name}" + ''.join(f'\n     {p}' for p in found))
    if not runs:
        print('FAIL: no runs in the results file')
        bad = 1
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
