"""The SIP legs of the benchmark suite (bench/run.py --only sip).

Two measurements, each on a fresh Parley with SIP dial-in on a free port,
inside run.py's loopback-only namespace, with SIPp (Debian sip-tester 3.6.1)
as the callers:

- scenario "sip": N concurrent callers in one room (bench/sip/uac_hold_rtp.xml).
  Half of them (rounded up) play bench/sip/speech.ulaw as PCMU RTP, 20 ms
  packets; the others play digital silence. Once Parley counts N answered
  calls and N SIP participants, a warm-up, then a measured window: Parley's
  user+sys CPU (all threads, /proc/PID/stat) / window / N is the share of a
  core one caller costs (decode PCMU, Opus-encode into the room, mix the 3
  loudest minus self, encode PCMU back). Also RSS per caller, SIPp's own CPU,
  the RTP Parley received per caller (its participants API), the UDP
  datagrams the namespace delivered, and the rest of the machine's CPU.
  Then every call hangs up (a NOTIFY into SIPp's port makes it send BYE).
- scenario "sip-setup": short calls (bench/sip/uac_short.xml: INVITE with SDP,
  200, ACK, BYE, 200; no media) at SIPp's -r R for R * --sip-setup-seconds
  calls. Reports the calls per second achieved, failures, INVITE->200 time
  and Parley's CPU per call; the highest rate with no failure that kept up.

SIPp 3.6.1 gives every call of one process the same RTP port (its -mp), and
does not read it: Parley's audio to the callers ends in that socket's full
receive buffer (Parley sends to where a caller's RTP comes from). The window
opens once that buffer is full (about 290 packets: 6 s for one caller), so
the socket's drop counter (/proc/net/udp) counts the RTP Parley sent to the
callers during the window.
"""
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIP_DIR = os.path.join(HERE, 'sip')
CLK_TCK = os.sysconf('SC_CLK_TCK')

FULL = dict(sizes=[1, 10, 50], window=20, warmup=3, rates=[10, 50, 100, 200], setup_seconds=5)
QUICK = dict(sizes=[1, 4], window=5, warmup=1, rates=[10, 50], setup_seconds=2)


def proc_cpu_s(pid):
    """user+sys CPU seconds of a process, all its threads; None once it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime (fields 14, 15)


def proc_rss_kb(pid):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def host_busy_s():
    """CPU seconds the whole machine was busy (all but idle and iowait)."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK


def udp_counters():
    """This namespace's UDP counters (/proc/net/snmp): delivered and dropped on full buffers."""
    with open('/proc/net/snmp') as f:
        lines = [l.split() for l in f if l.startswith('Udp:')]
    c = dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))
    return {'in': c.get('InDatagrams', 0), 'rcvbuf_errors': c.get('RcvbufErrors', 0)}


def udp_socket_drops(port):
    """Datagrams dropped on full buffers by the UDP sockets bound to port (/proc/net/udp)."""
    total = 0
    with open('/proc/net/udp') as f:
        next(f)
        for line in f:
            p = line.split()
            if int(p[1].split(':')[1], 16) == port:
                total += int(p[-1])
    return total


def metrics(port):
    """Parley's /metrics as {name{labels}: value}."""
    out = {}
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/metrics', timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line and not line.startswith('#'):
                k, v = line.rsplit(' ', 1)
                out[k] = float(v)
    return out


def room_rtp(port, room):
    """{participant id: (packets_received, packets_lost)} of the room's SIP callers' audio."""
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/api/v1/rooms/{room}/participants', timeout=5) as r:
            data = json.load(r)
    except OSError:
        return {}
    out = {}
    for p in data.get('participants', []):
        for t in p.get('tracks', []):
            if t.get('kind') == 'audio':
                out[p['id']] = (t.get('packets_received', 0), t.get('packets_lost', 0))
    return out


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def hang_up(sipp_port, call_id):
    """What uac_hold_rtp.xml waits for: a NOTIFY with its Call-ID, sent to SIPp's own port."""
    msg = (f'NOTIFY sip:sipp@127.0.0.1:{sipp_port} SIP/2.0\r\n'
           f'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-bench-{call_id.split("@")[0]}\r\n'
           'From: <sip:bench@127.0.0.1>;tag=bench\r\nTo: <sip:sipp@127.0.0.1>\r\n'
           f'Call-ID: {call_id}\r\nCSeq: 1 NOTIFY\r\nEvent: hang-up\r\nMax-Forwards: 70\r\n'
           'Content-Length: 0\r\n\r\n')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), ('127.0.0.1', sipp_port))
    s.close()


def sipp_stats(csv_path):
    """The last line of a SIPp -trace_stat file, as {column: value}."""
    try:
        with open(csv_path) as f:
            lines = [l.rstrip('\n') for l in f if l.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    return dict(zip(lines[0].split(';'), lines[-1].split(';')))


def hms_ms(v):
    """SIPp's 'HH:MM:SS:uuuuuu' in milliseconds."""
    try:
        h, m, s, us = (int(x) for x in v.split(':'))
    except (AttributeError, ValueError):
        return None
    return ((h * 60 + m) * 60 + s) * 1000 + us / 1000


def call_outcome(st):
    get = lambda k: int(st.get(k, 0) or 0)
    return {'successful': get('SuccessfulCall(C)'), 'failed': get('FailedCall(C)'),
            'created': get('TotalCallCreated'), 'retransmissions': get('Retransmissions(C)'),
            'invite_200_ms_mean': hms_ms(st.get('ResponseTime1(C)')),
            'bye_200_ms_mean': hms_ms(st.get('ResponseTime2(C)'))}


class Sipp:
    """One SIPp process placing `calls` calls of a scenario, in its own folder."""

    def __init__(self, server_sip_port, scenario, service, calls, rate, tag, audio=None, extra=()):
        self.dir = tempfile.mkdtemp(prefix=f'bench-sipp-{tag}-')
        if audio:   # uac_hold_rtp.xml plays ./caller.ulaw
            os.symlink(os.path.join(SIP_DIR, audio), os.path.join(self.dir, 'caller.ulaw'))
        self.port = free_udp_port()
        self.media_port = free_udp_port()
        self.tag = tag
        self.calls = calls
        self.stat = os.path.join(self.dir, 'stat.csv')
        self.cmd = ['sipp', f'127.0.0.1:{server_sip_port}', '-sf', os.path.join(SIP_DIR, scenario),
                    '-s', service, '-m', str(calls), '-r', str(rate), '-i', '127.0.0.1', '-mi', '127.0.0.1',
                    '-p', str(self.port), '-mp', str(self.media_port), '-cp', str(free_udp_port()),
                    '-nostdin', '-cid_str', f'{tag}-%u@sipbench', '-trace_err',
                    '-error_file', os.path.join(self.dir, 'errors.log'),
                    '-trace_stat', '-stf', self.stat, '-fd', '1'] + list(extra)
        self.proc = None
        self.started = self.ended = None

    def start(self):
        self.out = open(os.path.join(self.dir, 'sipp.out'), 'w')
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, cwd=self.dir)

    def wait(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.ended = time.monotonic()
        self.out.close()
        return self.proc.returncode

    def tail(self):
        for name in ('errors.log', 'sipp.out'):
            try:
                with open(os.path.join(self.dir, name), errors='replace') as f:
                    t = f.read().strip()
                if t:
                    return t[-400:]
            except OSError:
                pass
        return ''

    def cleanup(self, keep):
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def sip_server_args(n):
    return ['--sip-port', str(free_udp_port()), '--sip-address', '127.0.0.1', '--sip-create-rooms', '1',
            '--sip-max-calls', str(max(100, 2 * n + 10))]


def sip_port_of(server):
    return int(server.extra[server.extra.index('--sip-port') + 1])


def wait_calls(server, n, sipps, timeout):
    """Until Parley counts n active calls and n SIP participants; the last metrics seen."""
    end = time.time() + timeout
    m = {}
    while time.time() < end:
        try:
            m = metrics(server.port)
        except OSError:
            m = {}
        if m.get('parley_sip_calls', 0) >= n and m.get('parley_participants{kind="sip"}', 0) >= n:
            return True, m
        if any(s.proc.poll() is not None for s in sipps) or server.proc.poll() is not None:
            return False, m
        time.sleep(0.2)
    return False, m


def finish(server, sipps, args, result):
    """Ends what a scenario started: SIPp instances still running, then the
    server (a crash is recorded in result)."""
    for s in sipps:
        if s.proc and s.proc.poll() is None:
            s.wait(0)
        s.cleanup(args.keep)
    if server.stop():
        result['server_crashed'] = True
        result['server_dir'] = server.dir


def run_hold(args, make_server, loadavg, n, window, warmup):
    """N concurrent callers in one room; CPU per caller over the window."""
    room = 'sipbench'
    speakers = (n + 1) // 2
    groups = [('spk', 'speech.ulaw', speakers), ('sil', 'silence.ulaw', n - speakers)]
    server = make_server(sip_server_args(n))
    result = {'target': 'parley', 'scenario': 'sip', 'n': n, 'speakers': speakers, 'codec': 'PCMU',
              'loadavg_before': loadavg()}
    sipps = []
    perf = None
    try:
        server.start()
        sip_port = sip_port_of(server)
        rss_idle = proc_rss_kb(server.proc.pid)
        t_start = time.monotonic()
        for tag, audio, count in groups:
            if count:
                s = Sipp(sip_port, 'uac_hold_rtp.xml', room, count, args.sip_join_rate, tag, audio)
                s.start()
                sipps.append(s)
        ok, m = wait_calls(server, n, sipps, args.setup_timeout + n / args.sip_join_rate)
        result['setup_s'] = round(time.monotonic() - t_start, 2)
        if not ok:
            result['error'] = (f"{int(m.get('parley_sip_calls', 0))} of {n} calls up; "
                               + ' | '.join(s.tail() for s in sipps if s.proc.poll() is not None))
            return result
        time.sleep(warmup)
        full = time.time() + 15
        while time.time() < full and not all(udp_socket_drops(s.media_port) for s in sipps):
            time.sleep(0.2)
        if args.sip_perf:
            perf_out = f'{args.sip_perf}-n{n}.perf.data'
            perf = subprocess.Popen(['perf', 'record', '-g', '-F', '999', '-p', str(server.proc.pid),
                                     '-o', perf_out, '--', 'sleep', str(window)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            result['perf_data'] = perf_out
        b = snapshot(server, sipps, room)
        time.sleep(window)
        e = snapshot(server, sipps, room)
        if perf:
            perf.wait(30)
        result.update(window_figures(b, e, n, rss_idle))
        result['loadavg_after'] = loadavg()
        for s in sipps:
            for i in range(1, s.calls + 1):
                hang_up(s.port, f'{s.tag}-{i}@sipbench')
        codes = [s.wait(args.setup_timeout) for s in sipps]
        outcome = [call_outcome(sipp_stats(s.stat)) for s in sipps]
        result['calls'] = {'successful': sum(o['successful'] for o in outcome),
                           'failed': sum(o['failed'] for o in outcome),
                           'invite_200_ms_mean': max((o['invite_200_ms_mean'] or 0) for o in outcome),
                           'sipp_exit': codes}
        if result['calls']['failed'] or any(codes):
            result['error'] = 'SIPp reported failed calls: ' + ' | '.join(s.tail() for s in sipps if s.proc.returncode)
        time.sleep(0.5)
        after = metrics(server.port)
        result['calls']['parley_active_after'] = after.get('parley_sip_calls')
    except (RuntimeError, OSError) as e:
        result['error'] = str(e)
    finally:
        finish(server, sipps, args, result)
    return result


def snapshot(server, sipps, room):
    pid = server.proc.pid
    return {'t': time.monotonic(), 'cpu': proc_cpu_s(pid), 'sipp_cpu': sum(proc_cpu_s(s.proc.pid) or 0 for s in sipps),
            'self_cpu': sum(os.times()[:2]), 'busy': host_busy_s(), 'udp': udp_counters(),
            'to_callers': sum(udp_socket_drops(s.media_port) for s in sipps),
            'rtp': room_rtp(server.port, room), 'metrics': metrics(server.port), 'rss': proc_rss_kb(pid)}


def window_figures(b, e, n, rss_idle):
    w = e['t'] - b['t']
    cpu = e['cpu'] - b['cpu']
    sipp_cpu = e['sipp_cpu'] - b['sipp_cpu']
    rss = e['rss']
    rtp_in = sum(e['rtp'].get(k, (0, 0))[0] - b['rtp'].get(k, (0, 0))[0] for k in e['rtp'])
    lost = sum(e['rtp'].get(k, (0, 0))[1] - b['rtp'].get(k, (0, 0))[1] for k in e['rtp'])
    mb, me = b['metrics'], e['metrics']
    return {
        'window_s': round(w, 3),
        'server_proc': {'cpu_s': round(cpu, 3), 'cpu_util': round(cpu / w, 4),
                        'pct_core_per_caller': round(100 * cpu / w / n, 3),
                        'rss_kb': rss, 'rss_kb_idle': rss_idle,
                        'rss_kb_per_caller': round((rss - rss_idle) / n, 1) if rss and rss_idle else None},
        'sipp': {'cpu_s': round(sipp_cpu, 3), 'cpu_util': round(sipp_cpu / w, 4)},
        'rtp_in': {'packets_per_caller_per_s': round(rtp_in / w / n, 2), 'lost': lost,
                   'callers_seen': len(e['rtp'])},
        'rtp_out': {'packets_per_caller_per_s': round((e['to_callers'] - b['to_callers']) / w / n, 2)},
        'udp': {'in_per_s': round((e['udp']['in'] - b['udp']['in']) / w, 1),
                'rcvbuf_errors_per_s': round((e['udp']['rcvbuf_errors'] - b['udp']['rcvbuf_errors']) / w, 1)},
        'sip_audio_dropped': me.get('parley_sip_audio_dropped_total', 0) - mb.get('parley_sip_audio_dropped_total', 0),
        'active_calls': me.get('parley_sip_calls'),
        'host': {'busy_cpu_s': round(e['busy'] - b['busy'], 3),
                 'other_cpu_s': round(e['busy'] - b['busy'] - cpu - sipp_cpu - (e['self_cpu'] - b['self_cpu']), 3)},
    }


def run_setup(args, make_server, loadavg, rate, seconds):
    """rate * seconds short calls at SIPp's -r rate: achieved calls/s and failures."""
    calls = max(20, int(rate * seconds))
    server = make_server(sip_server_args(rate))
    result = {'target': 'parley', 'scenario': 'sip-setup', 'n': rate, 'rate': rate, 'calls_asked': calls,
              'loadavg_before': loadavg()}
    sipp = None
    try:
        server.start()
        sipp = Sipp(sip_port_of(server), 'uac_short.xml', 'sipsetup', calls, rate, 'setup',
                    extra=['-timeout', f'{int(calls / rate + 30)}s', '-timeout_error'])
        cpu0, busy0, self0 = proc_cpu_s(server.proc.pid), host_busy_s(), sum(os.times()[:2])
        kids0 = sum(os.times()[2:4])   # SIPp's CPU reaches our children's times when it is reaped
        sipp.start()
        code = sipp.wait(calls / rate + 60)
        elapsed = sipp.ended - sipp.started
        sipp_cpu = sum(os.times()[2:4]) - kids0
        cpu = proc_cpu_s(server.proc.pid) - cpu0
        busy = host_busy_s() - busy0
        own = sum(os.times()[:2]) - self0
        o = call_outcome(sipp_stats(sipp.stat))
        # Every BYE got its 200: Parley should now drop to no call and no
        # SIP participant. How long that takes (a backlog after overload),
        # or that it never does (a leak), is part of the result.
        drain_end = time.monotonic() + 15
        while True:
            m = metrics(server.port)
            if (not m.get('parley_sip_calls') and not m.get('parley_participants{kind="sip"}')) \
                    or time.monotonic() > drain_end:
                break
            time.sleep(0.1)
        drain_s = time.monotonic() - sipp.ended
        result.update({
            'sipp_exit': code, 'elapsed_s': round(elapsed, 3), 'window_s': round(elapsed, 3),
            'calls': o, 'achieved_cps': round(o['successful'] / elapsed, 1) if elapsed > 0 else 0,
            'server_proc': {'cpu_s': round(cpu, 3), 'cpu_util': round(cpu / elapsed, 4),
                            'ms_per_call': round(1000 * cpu / max(o['successful'], 1), 3)},
            'sipp': {'cpu_s': round(sipp_cpu, 3), 'cpu_util': round(sipp_cpu / elapsed, 4)},
            'parley': {'answered': m.get('parley_sip_calls_answered_total'),
                       'refused': m.get('parley_sip_calls_refused_total'),
                       'active_after': m.get('parley_sip_calls'),
                       'participants_after': m.get('parley_participants{kind="sip"}'),
                       'drain_s': round(drain_s, 2)},
            'host': {'busy_cpu_s': round(busy, 3), 'other_cpu_s': round(busy - cpu - sipp_cpu - own, 3)},
        })
        if o['failed'] or code:
            result['error'] = f'SIPp exit {code}, {o["failed"]} failed calls: {sipp.tail()}'
        elif m.get('parley_sip_calls') or m.get('parley_participants{kind="sip"}'):
            left = m.get('parley_sip_calls'), m.get('parley_participants{kind="sip"}')
            result['error'] = (f'{left[0]:.0f} calls and {left[1]:.0f} SIP participants left 15 s '
                               'after the last BYE was answered')
        result['loadavg_after'] = loadavg()
    except (RuntimeError, OSError) as e:
        result['error'] = str(e)
    finally:
        finish(server, [sipp] if sipp else [], args, result)
    return result


def summarize(r):
    if r['scenario'] == 'sip':
        s, h = r.get('server_proc', {}), r.get('host', {})
        w = max(r.get('window_s', 1), 1e-3)
        line = (f"parley     sip     n={r['n']:<4} cpu={s.get('cpu_util', 0):5.3f} "
                f"per_caller={s.get('pct_core_per_caller', 0):6.3f}%core rss/caller={s.get('rss_kb_per_caller') or 0:6.0f}kB "
                f"rtp_in/caller/s={r.get('rtp_in', {}).get('packets_per_caller_per_s', 0):5.1f} "
                f"lost={r.get('rtp_in', {}).get('lost', 0)} "
                f"rtp_out/caller/s={r.get('rtp_out', {}).get('packets_per_caller_per_s', 0):5.1f} setup={r.get('setup_s', 0)}s "
                f"sipp_cpu={r.get('sipp', {}).get('cpu_util', 0):.3f} other_cpu={h.get('other_cpu_s', 0) / w:.2f}")
    else:
        c, s, h = r.get('calls', {}), r.get('server_proc', {}), r.get('host', {})
        w = max(r.get('window_s', 1), 1e-3)
        line = (f"parley     sip-setup r={r['rate']:<4} calls={c.get('successful', 0)}/{r['calls_asked']} "
                f"failed={c.get('failed', 0)} achieved={r.get('achieved_cps', 0):6.1f}cps "
                f"invite->200={c.get('invite_200_ms_mean') or 0:.1f}ms retrans={c.get('retransmissions', 0)} "
                f"drain={r.get('parley', {}).get('drain_s', 0)}s cpu/call={s.get('ms_per_call', 0):.2f}ms "
                f"cpu={s.get('cpu_util', 0):.3f} other_cpu={h.get('other_cpu_s', 0) / w:.2f}")
    if r.get('error'):
        line += f" ERROR {r['error'][:300]}"
    if r.get('server_crashed'):
        line += f" SERVER CRASHED ({r.get('server_dir')})"
    return line


def best_rate(runs):
    """The highest rate with no failed call that achieved at least 90% of itself."""
    ok = [r['rate'] for r in runs if r.get('scenario') == 'sip-setup' and not r.get('error')
          and r.get('achieved_cps', 0) >= 0.9 * r['rate']]
    return max(ok) if ok else None


def run_suite(args, quick, make_server, loadavg, results, save, log):
    if not shutil.which('sipp'):
        log('sipp not installed (Debian sip-tester): skipping the SIP scenario')
        return
    plan = QUICK if quick else FULL
    # An empty list ('') skips that half.
    sizes = [int(x) for x in args.sip_sizes.split(',') if x] if args.sip_sizes is not None else plan['sizes']
    rates = [int(x) for x in args.sip_rates.split(',') if x] if args.sip_rates is not None else plan['rates']
    window = args.duration or plan['window']
    warmup = args.warmup if args.warmup is not None else plan['warmup']
    for n in sizes:
        r = run_hold(args, make_server, loadavg, n, window, warmup)
        results.append(r)
        log(summarize(r))
        save()
    for rate in rates:
        r = run_setup(args, make_server, loadavg, rate, args.sip_setup_seconds or plan['setup_seconds'])
        results.append(r)
        log(summarize(r))
        save()
    best = best_rate(results)
    if rates:
        log(f'sip-setup: highest rate with no failed call and >= 90% achieved: {best} calls/s')
