#!/usr/bin/env python3
"""Parley vs Janus benchmark suite (docs/benchmarks.md).

Runs parley-loadgen against Parley and against Janus's VideoRoom, each
scenario on a fresh server, inside a network namespace that has only
loopback (plus a veth holding 127.0.0.2, which Janus needs to find an
address to gather), and writes bench/results/<date>.json and PNG plots.

  bench/run.py                 the full suite (about half an hour)
  bench/run.py --quick         small N, short windows: checks that it works
  bench/run.py --only fanout --targets parley,janus --sizes 10,50
  bench/run.py --crosscheck    N = 1..3 with libwebrtc subscribers (npm @roamhq/wrtc,
                               `npm ci` in bench/) against the same with the load generator
  bench/run.py --only sip      SIP callers (SIPp): CPU per caller in a room at N = 1, 10, 50,
                               and calls set up per second (bench/sipbench.py)

Targets: parley (SRTP AES_CM_128_HMAC_SHA1_80), parley-gcm (AEAD_AES_128_GCM),
janus (its default: a thread per handle, CM-80), janus-el2 (event_loops = 2,
CM-80). Needs: a build (parley, bench/parley-loadgen), janus and gnuplot
(scripts/install-deps.sh bench), sipp (sip-tester) for the SIP scenario, root
for unshare.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NS_ENV = 'PARLEY_BENCH_NS'
JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus'

TARGETS = {
    # name: (server kind, loadgen --srtp, janus event_loops or None)
    'parley': ('parley', 'cm80', None),
    'parley-gcm': ('parley', 'gcm128', None),
    'janus': ('janus', 'cm80', None),
    'janus-el2': ('janus', 'cm80', 2),
}

FULL = dict(fanout=[1, 10, 50, 100, 200, 400], meeting=[4, 8, 16], churn=[20],
            duration=20, warmup=3, churn_duration=60)
QUICK = dict(fanout=[1, 5], meeting=[3], churn=[4], duration=4, warmup=1, churn_duration=8)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_tcp(port, proc, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def setup_namespace():
    """Inside `unshare -n`: loopback up, and 127.0.0.2 on a veth whose two ends
    stay here (Janus skips loopback interfaces when it gathers)."""
    cmds = [['ip', 'link', 'set', 'lo', 'up'],
            ['ip', 'link', 'add', 'lgv0', 'type', 'veth', 'peer', 'name', 'lgv1'],
            ['ip', 'addr', 'add', '127.0.0.2/32', 'dev', 'lgv0'],
            ['ip', 'link', 'set', 'lgv0', 'up'], ['ip', 'link', 'set', 'lgv1', 'up']]
    for c in cmds:
        subprocess.run(c, check=True)


class Server:
    """One server process with its own temporary folder."""

    def __init__(self, target, args, extra=()):
        self.kind, self.srtp, self.loops = TARGETS[target]
        self.args = args
        self.extra = list(extra)   # more server arguments (Parley only)
        self.dir = tempfile.mkdtemp(prefix=f'bench-{target}-')
        self.port = free_port()
        self.proc = None

    def start(self):
        logf = open(os.path.join(self.dir, 'server.log'), 'w')
        if self.kind == 'parley':
            # Fan-out subscribers publish nothing, so a room far above the
            # default 32 still gives every one of them the publisher's tracks.
            cmd = [self.args.parley_bin, '--http-port', str(self.port), '--ice-addresses', '127.0.0.1',
                   '--data-dir', os.path.join(self.dir, 'data'), '--log', 'warn',
                   '--max-participants', '1000'] + self.extra + self.args.parley_args.split()
        else:
            cmd = ['janus', '-C', self.janus_config(), '-F', self.dir, '-o']
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=self.dir)
        if not wait_tcp(self.port, self.proc):
            raise RuntimeError(f'{self.kind} did not start; see {self.dir}/server.log')
        time.sleep(0.2)

    def url(self):
        if self.kind == 'parley':
            return f'ws://127.0.0.1:{self.port}/ws'
        return f'http://127.0.0.1:{self.port}/janus'

    def ice_address(self):
        # Janus's sockets on 127.0.0.2 cannot send to 127.0.0.1 (EINVAL): both ends use .2 there.
        return '127.0.0.1' if self.kind == 'parley' else '127.0.0.2'

    def janus_config(self):
        d = self.dir
        for sub, lib in (('plugins', 'libjanus_videoroom.so'), ('transports', 'libjanus_http.so')):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
            os.symlink(os.path.join(JANUS_LIB, sub, lib), os.path.join(d, sub, lib))
        for sub in ('events', 'loggers'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        loops = f'event_loops = {self.loops}' if self.loops else ''
        with open(os.path.join(d, 'janus.jcfg'), 'w') as f:
            f.write(f'''general: {{
	configs_folder = "{d}"
	plugins_folder = "{d}/plugins"
	transports_folder = "{d}/transports"
	events_folder = "{d}/events"
	loggers_folder = "{d}/loggers"
	debug_level = 3
	server_name = "parley-bench"
	session_timeout = 60
	{loops}
}}
certificates: {{
}}
media: {{
	ipv6 = false
}}
nat: {{
	nice_debug = false
	ignore_mdns = true
	ice_enforce_list = "127.0.0.2"
	full_trickle = false
}}
plugins: {{
}}
transports: {{
}}
loggers: {{
}}
events: {{
}}
''')
        with open(os.path.join(d, 'janus.transport.http.jcfg'), 'w') as f:
            f.write(f'''general: {{
	json = "compact"
	base_path = "/janus"
	http = true
	port = {self.port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_http = false
}}
''')
        # The room the load generator uses (it also creates it if missing).
        with open(os.path.join(d, 'janus.plugin.videoroom.jcfg'), 'w') as f:
            f.write('''general: {
}
room-1234: {
	description = "parley-bench"
	publishers = 64
	bitrate = 2000000
	fir_freq = 0
	audiocodec = "opus"
	videocodec = "vp8"
}
''')
        return os.path.join(d, 'janus.jcfg')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        crashed = self.proc is not None and self.proc.returncode not in (0, -signal.SIGTERM)
        if not self.args.keep and not crashed:
            shutil.rmtree(self.dir, ignore_errors=True)
        return crashed


def loadavg():
    with open('/proc/loadavg') as f:
        return [float(x) for x in f.read().split()[:3]]


def run_one(args, target, scenario, n, duration, warmup, extra=()):
    server = Server(target, args)
    result = {'target': target, 'scenario': scenario, 'n': n, 'loadavg_before': loadavg()}
    try:
        server.start()
        cmd = [args.loadgen_bin, '--server', server.kind, '--url', server.url(),
               '--scenario', scenario, '--srtp', server.srtp, '--duration', str(duration),
               '--warmup', str(warmup), '--server-pid', str(server.proc.pid),
               '--ice-address', server.ice_address(), '--label', target,
               '--threads', str(args.threads), '--setup-timeout', str(args.setup_timeout)]
        cmd += ['--participants', str(n)] if scenario == 'meeting' else ['--subscribers', str(n)]
        if scenario == 'churn':
            cmd += ['--churn-rate', str(args.churn_rate)]
        cmd += list(extra)
        timeout = args.setup_timeout * 2 + warmup + duration + 60
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''
        try:
            result.update(json.loads(line))
        except ValueError:
            result['error'] = f'loadgen exit {p.returncode}: {p.stderr.strip()[-400:]}'
        if p.stderr.strip():
            result['loadgen_stderr'] = p.stderr.strip()[-400:]
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        result['error'] = str(e)
    finally:
        if server.stop():
            result['server_crashed'] = True
            result['server_dir'] = server.dir
    result['loadavg_after'] = loadavg()
    result['target'] = target
    return result


def run_wrtc(args, target, n, duration, warmup):
    """The load generator publishes; N @roamhq/wrtc subscribers receive."""
    server = Server(target, args)
    result = {'target': target, 'scenario': 'fanout', 'n': n, 'client': 'wrtc', 'loadavg_before': loadavg()}
    pub = None
    try:
        server.start()
        pub = subprocess.Popen([args.loadgen_bin, '--server', server.kind, '--url', server.url(),
                                '--subscribers', '0', '--srtp', server.srtp, '--room', 'bench',
                                '--duration', str(duration + warmup + 120), '--warmup', '0',
                                '--ice-address', server.ice_address(), '--label', 'publisher',
                                '--pli-keyframes', 'off'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(2)  # the publisher joins, connects and publishes
        cmd = ['node', os.path.join(HERE, 'wrtc-subscribers.mjs'), '--server', server.kind,
               '--url', server.url(), '--room', 'bench', '--janus-room', '1234', '--n', str(n),
               '--duration', str(duration), '--warmup', str(warmup), '--server-pid', str(server.proc.pid)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + warmup + 90, cwd=HERE)
        line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''
        try:
            result.update(json.loads(line))
        except ValueError:
            result['error'] = f'wrtc exit {p.returncode}: {p.stderr.strip()[-400:]}'
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        result['error'] = str(e)
    finally:
        if pub and pub.poll() is None:
            pub.send_signal(signal.SIGINT)
            try:
                pub.wait(5)
            except subprocess.TimeoutExpired:
                pub.kill()
        if server.stop():
            result['server_crashed'] = True
    result['target'] = target
    result['client'] = 'wrtc'
    return result


def crosscheck(args, targets, duration, warmup, results, save):
    """Server CPU per forwarded packet, libwebrtc subscribers against ours, N = 1..3."""
    table = []
    for t in targets:
        if TARGETS[t][1] != 'cm80':
            continue  # libwebrtc in Node offers only AES_CM_128_HMAC_SHA1_80
        for n in args.crosscheck_sizes:
            for rep in range(args.repeat):
                # libwebrtc cannot decode the synthetic frames and asks for keyframes
                # all the time: the publisher ignores PLIs in both runs, so the rates match.
                ours = run_one(args, t, 'fanout', n, duration, warmup, ['--pli-keyframes', 'off'])
                ours['client'] = 'loadgen'
                theirs = run_wrtc(args, t, n, duration, warmup)
                results += [ours, theirs]
                save()
                a = ours.get('server_proc', {}).get('us_per_packet')
                b = theirs.get('server_proc', {}).get('us_per_packet')
                row = (t, n, a, b, ours.get('forwarded', {}).get('packets_per_s'),
                       theirs.get('forwarded', {}).get('packets_per_s'), ours.get('error') or theirs.get('error'))
                table.append(row)
                log(f'crosscheck {t:10} n={n} loadgen {a} us/pkt, wrtc {b} us/pkt '
                    f'(pkt/s {row[4]} vs {row[5]}) {row[6] or ""}')
    return table


def holds(r, n):
    """Whether a fan-out run is worth following with a larger N."""
    if r.get('error') or r.get('server_crashed'):
        return False
    if r.get('connected', 0) < n:
        return False
    ps = r.get('per_subscriber', {})
    expected = r.get('published', {}).get('packets', 0) * n
    return expected == 0 or ps.get('packets_mean', 0) * n >= 0.5 * expected


def summarize(r):
    s = r.get('server_proc', {})
    ps = r.get('per_subscriber', {})
    d = r.get('delay_us', {})
    j = r.get('join_ms', {}).get('first_keyframe', {})
    if r.get('error'):
        return f"{r['target']:10} {r['scenario']:7} n={r['n']:<4} ERROR {r['error']} {r.get('detail', '')}"
    return (f"{r['target']:10} {r['scenario']:7} n={r['n']:<4} {r.get('srtp', '?'):28} "
            f"cpu={s.get('cpu_util', 0):5.2f} us/pkt={s.get('us_per_packet', 0):6.1f} "
            f"ms/Mbit={s.get('ms_per_mbit', 0):5.2f} rss/sub={s.get('rss_kb_per_subscriber', 0):7.0f}kB "
            f"lost={ps.get('lost_total', 0)} gaps={ps.get('seq_gaps_total', 0)} "
            f"delay p50/p99={d.get('p50', 0)}/{d.get('p99', 0)}us "
            f"key p50/p99={j.get('p50', 0):.0f}/{j.get('p99', 0):.0f}ms "
            f"conn={r.get('connected', 0)} loadgen_cpu={r.get('loadgen_cpu_s', 0) / max(r.get('window_s', 1), 1e-3):.2f} "
            f"other_cpu={r.get('host', {}).get('other_cpu_s', 0) / max(r.get('window_s', 1), 1e-3):.2f}")


def git_commit():
    try:
        return subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                              text=True).stdout.strip() + (' (dirty)' if subprocess.run(
                                  ['git', '-C', ROOT, 'status', '--porcelain'], capture_output=True,
                                  text=True).stdout.strip() else '')
    except OSError:
        return '?'


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def plot(results, stem):
    """PNGs of server CPU per forwarded packet, RSS per subscriber and p99 delay against N."""
    import plot as plotter
    return plotter.plot_fanout(results, stem)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='small N and short windows')
    ap.add_argument('--only', default='fanout,meeting,churn,sip',
                    help='scenarios to run (sip: both SIP measurements, Parley only)')
    ap.add_argument('--targets', default='parley,parley-gcm,janus,janus-el2')
    ap.add_argument('--sizes', help='fan-out N list (overrides the default)')
    ap.add_argument('--meeting-sizes', help='meeting K list')
    ap.add_argument('--duration', type=float, help='measured window per run, seconds')
    ap.add_argument('--warmup', type=float)
    ap.add_argument('--churn-rate', type=float, default=2.0)
    ap.add_argument('--threads', type=int, default=3, help='load generator media threads')
    ap.add_argument('--setup-timeout', type=float, default=30)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'), help='build folder')
    ap.add_argument('--parley-bin', help='server binary (default BUILD/parley)')
    ap.add_argument('--parley-args', default='', help='extra server arguments, e.g. "--workers 1"')
    ap.add_argument('--out', default=os.path.join(HERE, 'results'))
    ap.add_argument('--keep', action='store_true', help='keep server folders and logs')
    ap.add_argument('--crosscheck', action='store_true', help='libwebrtc subscribers vs the load generator')
    ap.add_argument('--crosscheck-sizes', default='1,2,3')
    ap.add_argument('--repeat', type=int, default=2, help='cross-check repetitions')
    ap.add_argument('--sip-sizes', help="concurrent SIP callers N list (default 1,10,50; '' for none)")
    ap.add_argument('--sip-rates', help="call setup rates to try, calls/s (default 10,50,100,200; '' for none)")
    ap.add_argument('--sip-setup-seconds', type=float, help='calls per rate = rate x this (default 5)')
    ap.add_argument('--sip-join-rate', type=float, default=10, help='calls/s while N callers join')
    ap.add_argument('--sip-perf', help='perf record -g Parley in each SIP window to PREFIX-nN.perf.data')
    args = ap.parse_args()
    args.parley_bin = os.path.abspath(args.parley_bin or os.path.join(args.build, 'parley'))
    args.loadgen_bin = os.path.abspath(os.path.join(args.build, 'bench', 'parley-loadgen'))

    loadgen_scenarios = [s for s in args.only.split(',') if s in ('fanout', 'meeting', 'churn')]
    if os.environ.get(NS_ENV) != '1':
        needed = [args.loadgen_bin] if loadgen_scenarios or args.crosscheck else []
        if args.crosscheck or 'sip' in args.only.split(',') or \
                any(TARGETS.get(t, ('',))[0] == 'parley' for t in args.targets.split(',')):
            needed.append(args.parley_bin)
        for b in needed:
            if not os.access(b, os.X_OK):
                sys.exit(f'{b} not found: build first (cmake --build {args.build})')
        env = dict(os.environ, **{NS_ENV: '1'})
        os.execvpe('unshare', ['unshare', '-n', sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)
    setup_namespace()

    plan = QUICK if args.quick else FULL
    sizes = [int(x) for x in args.sizes.split(',')] if args.sizes else plan['fanout']
    msizes = [int(x) for x in args.meeting_sizes.split(',')] if args.meeting_sizes else plan['meeting']
    duration = args.duration or plan['duration']
    warmup = args.warmup if args.warmup is not None else plan['warmup']
    targets = [t for t in args.targets.split(',') if t]
    scenarios = args.only.split(',')
    for t in targets:
        if t not in TARGETS:
            sys.exit(f'unknown target {t}; known: {", ".join(TARGETS)}')
    if loadgen_scenarios and any(TARGETS[t][0] == 'janus' for t in targets) and not shutil.which('janus'):
        sys.exit('janus not installed: scripts/install-deps.sh bench')

    started = datetime.datetime.now()
    meta = {'date': started.isoformat(timespec='seconds'), 'commit': git_commit(), 'quick': args.quick,
            'host': {'cpu': cpu_model(), 'cores': os.cpu_count(), 'kernel': platform.release()},
            'loadavg_start': loadavg(), 'duration_s': duration, 'warmup_s': warmup,
            'loadgen_threads': args.threads, 'command': ' '.join(sys.argv)}
    results = []
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, started.strftime('%Y-%m-%d-%H%M%S') + ('-quick' if args.quick else '')
                        + ('-crosscheck' if args.crosscheck else ''))

    def save():
        with open(stem + '.json', 'w') as f:
            json.dump({'meta': meta, 'runs': results}, f, indent=1)

    if args.crosscheck:
        if not os.path.isdir(os.path.join(HERE, 'node_modules', '@roamhq', 'wrtc')):
            sys.exit('bench/node_modules missing: cd bench && npm ci')
        args.crosscheck_sizes = [int(x) for x in args.crosscheck_sizes.split(',')]
        meta['crosscheck'] = crosscheck(args, targets, duration, warmup, results, save)
        save()
        log(f'results: {stem}.json')
        return
    if 'fanout' in scenarios:
        for t in targets:
            for n in sizes:
                r = run_one(args, t, 'fanout', n, duration, warmup)
                results.append(r)
                log(summarize(r))
                save()
                if not holds(r, n):
                    log(f'{t}: stopping fan-out at N={n}')
                    break
    if 'meeting' in scenarios:
        for t in targets:
            for k in msizes:
                r = run_one(args, t, 'meeting', k, duration, warmup)
                results.append(r)
                log(summarize(r))
                save()
    if 'churn' in scenarios:
        for t in targets:
            for n in plan['churn']:
                r = run_one(args, t, 'churn', n, plan['churn_duration'], warmup)
                results.append(r)
                log(summarize(r))
                save()
    if 'sip' in scenarios:
        sys.path.insert(0, HERE)
        import sipbench
        sipbench.run_suite(args, args.quick, lambda extra: Server('parley', args, extra), loadavg,
                           results, save, log)
    meta['loadavg_end'] = loadavg()
    meta['elapsed_s'] = round((datetime.datetime.now() - started).total_seconds())
    save()
    sys.path.insert(0, HERE)
    pngs = plot(results, stem)
    log(f'results: {stem}.json')
    for p in pngs:
        log(f'plot: {p}')


if __name__ == '__main__':
    main()
