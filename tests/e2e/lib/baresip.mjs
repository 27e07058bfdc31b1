// A real softphone for the SIP end-to-end tests: Debian's baresip 1.0.0,
// headless, in its own temporary config folder. It sends a sine tone
// (ausine) or a WAV file (aufile), and records what it hears: the sndfile
// filter dumps the decoded received audio (…-dec.wav) and the audio it sends
// (…-enc.wav) into the folder. Commands go to baresip's stdin (the stdio UI
// and menu module: "/dial URI", "/hangup", "q"); events are read from its
// stdout ("Call established", "Call with … terminated", "session closed").
//
//   const b = await startBaresip({ tone: 440 });
//   await b.dial(`sip:room@127.0.0.1:${sipPort}`);          // ;transport=tcp for TCP
//   await b.established();                                   // bounded waits, no sleeps
//   await b.hangup();                                        // waits for the call to close
//   const { recording, sent } = await b.stop();              // process gone, files final
//   …measure…; await b.dispose();                            // removes the temp folder
//
// baresip 1.0.0 facts this relies on (found by running it):
//   - ausine needs ausrc_srate 48000 and ausrc_channels 2; aufile needs a
//     S16LE WAV whose rate and channels equal ausrc_srate/ausrc_channels.
//   - there is no null player and aufile cannot play in 1.0.0: the player is
//     aubridge (a bridge to a source that never exists); the decoded audio
//     reaches the sndfile filter whether or not anything plays it.
//   - aufile ends the call when its file ends (the caller sends BYE): give
//     it a file longer than the call.
//   - a BYE from the far end shows as "session closed: Connection reset by
//     peer" (libre reports it as ECONNRESET), then "Call with … terminated".
//   - net_interface must be an address (127.0.0.1), not "lo".
//   - with stdin not a terminal, stdio.so warns "could not setup terminal"
//     but reads commands; with stdin /dev/null it cannot poll it at all.
//   - "statmode_default off" silences the per-100-ms status line.
//   - a refused call prints only "session closed: 404 …"; a normal end prints
//     "Call with URI terminated (duration: …)".
// -t SECONDS is passed as a backstop so that no baresip outlives a crashed
// test run by much; stop()/dispose() end it sooner.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './harness.mjs';

export const BARESIP = process.env.BARESIP || '/usr/bin/baresip';
const MODULE_PATH = process.env.BARESIP_MODULES || '/usr/lib/baresip/modules';

// The end of a call: refused or ended by the far end, or ended here.
const CLOSED = /session closed(?:: (.*))?$|Call with \S+ terminated \((.*)\)$/;

const live = new Set();
process.on('exit', () => { for (const b of live) b.proc.kill('SIGKILL'); });

// Reads the rate and channel count of a WAV file (for aufile).
function wavFormat(file) {
	const buf = fs.readFileSync(file);
	let off = 12;
	while (off + 8 <= buf.length) {
		const id = buf.toString('latin1', off, off + 4), size = buf.readUInt32LE(off + 4);
		if (id === 'fmt ') return { channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12) };
		off += 8 + size + (size & 1);
	}
	throw new Error(`${file}: no fmt chunk`);
}

function configText({ sipPort, source, srate, channels, codecs, recDir }) {
	return [
		'poll_method epoll',
		`sip_listen 127.0.0.1:${sipPort}`,
		'net_interface 127.0.0.1',
		'call_local_timeout 20',
		'call_max_calls 4',
		`audio_source ${source}`,
		'audio_player aubridge,sink',
		'audio_alert aubridge,sink',
		`ausrc_srate ${srate}`,
		`ausrc_channels ${channels}`,
		'audio_level no',
		'audio_buffer 20-160',
		'rtcp_mux no',
		'jitter_buffer_delay 5-10',
		'statmode_default off',
		`module_path ${MODULE_PATH}`,
		'module stdio.so',
		...codecs.map((c) => `module ${c}.so`),
		'module ausine.so',
		'module aufile.so',
		'module aubridge.so',
		'module sndfile.so',
		'module_tmp account.so',
		'module_app menu.so',
		`snd_path ${recDir}`,
		'',
	].join('\n');
}

// Starts baresip and resolves once it says "baresip is ready".
//   tone      sine frequency in Hz (ausine), default 440
//   wav       a S16LE WAV file to send instead (aufile; the call ends with it)
//   user      the account's user part (From: sip:USER@127.0.0.1)
//   codecs    baresip codec modules in preference order, default opus, g711
//   autoAnswer  answer incoming calls (account answermode=auto), for a
//              baresip that is called rather than calling
//   maxSeconds  backstop: baresip quits by itself after this long
export async function startBaresip({ tone = 440, wav = null, user = 'baresip', codecs = ['opus', 'g711'],
	autoAnswer = false, maxSeconds = 90, startTimeout = 5000 } = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-baresip-'));
	const recDir = path.join(dir, 'rec');
	fs.mkdirSync(recDir);
	let source = `ausine,${tone}`, srate = 48000, channels = 2;
	if (wav) {
		({ rate: srate, channels } = wavFormat(wav));
		source = `aufile,${path.resolve(wav)}`;
	}
	const sipPort = await freePort();
	fs.writeFileSync(path.join(dir, 'config'), configText({ sipPort, source, srate, channels, codecs, recDir }));
	fs.writeFileSync(path.join(dir, 'accounts'),
		`<sip:${user}@127.0.0.1>;regint=0${autoAnswer ? ';answermode=auto' : ''}\n`);

	const proc = spawn(BARESIP, ['-f', dir, '-t', String(maxSeconds)], { stdio: ['pipe', 'pipe', 'pipe'] });
	const b = new Baresip(proc, dir, recDir, sipPort, user);
	live.add(b);
	try {
		await b.waitLine(/baresip is ready/, startTimeout, 'baresip to start');
	} catch (e) {
		await b.dispose();
		throw e;
	}
	return b;
}

class Baresip {
	constructor(proc, dir, recDir, sipPort, user) {
		Object.assign(this, { proc, dir, recDir, sipPort, user });
		this.callFrom = 0;
		this.out = '';          // everything printed, \r turned into \n
		this.lines = [];        // complete lines, typed-command echoes removed
		this.waiters = new Set();
		this.exited = null;
		this.exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => {
			this.exited = { code, signal };
			live.delete(this);
			for (const w of this.waiters) w.check();
			resolve(this.exited);
		}));
		proc.on('error', (e) => { this.spawnError = e; });
		let partial = '';
		const onData = (d) => {
			const text = d.toString().replace(/\r/g, '\n');
			this.out += text;
			if (process.env.E2E_VERBOSE) process.stderr.write(`[baresip ${user}] ${text}`);
			partial += text;
			const parts = partial.split('\n');
			partial = parts.pop();
			// stdio echoes each typed character as "/d", "/di", …: drop those.
			for (const l of parts) if (l && !l.startsWith('/')) this.lines.push(l);
			for (const w of this.waiters) w.check();
		};
		proc.stdout.on('data', onData);
		proc.stderr.on('data', onData);
		proc.stdin.on('error', () => {});    // EPIPE once it has quit
	}

	// Waits for a line matching re, at or after line index `from`; resolves
	// the match. Rejects after `timeout` ms or when baresip exits first.
	waitLine(re, timeout, what, from = 0) {
		return new Promise((resolve, reject) => {
			const w = {
				check: () => {
					for (let i = from; i < this.lines.length; i++) {
						const m = re.exec(this.lines[i]);
						if (m) { done(); resolve(m); return; }
					}
					if (this.exited) {
						done();
						reject(new Error(`baresip exited (code ${this.exited.code}, signal ${this.exited.signal}) before ${what}\n${this.tail()}`));
					}
				},
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`timed out after ${timeout} ms waiting for ${what}\nbaresip output:\n${this.tail()}`));
			}, timeout);
			const done = () => { clearTimeout(timer); this.waiters.delete(w); };
			this.waiters.add(w);
			w.check();
		});
	}

	tail(n = 3000) {
		const s = this.lines.join('\n');
		return s.length > n ? '…' + s.slice(-n) : s;
	}

	command(cmd) {
		if (this.exited) throw new Error(`baresip has exited; cannot send ${cmd}`);
		this.proc.stdin.write(cmd + '\n');
	}

	// Dials uri (e.g. sip:room@127.0.0.1:5060 or …;transport=tcp). Later
	// waits (established, closed) only look at what comes after this.
	async dial(uri) {
		this.callFrom = this.lines.length;
		this.uri = uri;
		this.command(`/dial ${uri}`);
		await this.waitLine(/call: connecting to/, 3000, `baresip to start dialling ${uri}`, this.callFrom);
	}

	// Resolves when the call is answered (200 OK, ACK sent). Rejects early if
	// the call closes first (e.g. 404), with the reason.
	async established({ timeout = 10000 } = {}) {
		const t0 = Date.now();
		const m = await this.waitLine(/: Call established: (\S+)|session closed(?:: (.*))?$|Call with \S+ terminated/,
			timeout, `the call to ${this.uri} to be established`, this.callFrom);
		if (!m[1]) throw new Error(`call to ${this.uri} closed before it was established: ${m[0]}\n${this.tail()}`);
		this.establishedAt = Date.now();
		// The recorder files are named when the audio stream starts.
		const dec = /sndfile: dumping decode audio to (\S+)/.exec(this.out);
		const enc = /sndfile: dumping encode audio to (\S+)/.exec(this.out);
		this.recording = dec && dec[1];
		this.sent = enc && enc[1];
		return this.establishedAt - t0;
	}

	// Seconds of audio in one of the recorder's files so far ('recording':
	// what baresip received and decoded; 'sent': what it encoded), from the
	// file's size: the WAV header's sizes are only written when it closes.
	audioSeconds(which = 'recording') {
		const file = this[which];
		if (!file || !fs.existsSync(file)) return 0;
		const fd = fs.openSync(file, 'r');
		try {
			const head = Buffer.alloc(4096);
			const n = fs.readSync(fd, head, 0, head.length, 0);
			let off = 12, fmt = null;
			while (off + 8 <= n) {
				const id = head.toString('latin1', off, off + 4), size = head.readUInt32LE(off + 4);
				if (id === 'fmt ') fmt = { channels: head.readUInt16LE(off + 10), rate: head.readUInt32LE(off + 12),
					bytes: head.readUInt16LE(off + 22) / 8 };
				if (id === 'data' && fmt)
					return Math.max(0, fs.fstatSync(fd).size - off - 8) / (fmt.rate * fmt.channels * fmt.bytes);
				off += 8 + size + (size & 1);
			}
			return 0;
		} finally {
			fs.closeSync(fd);
		}
	}

	// Waits until the recorder holds `seconds` of audio: media has flowed
	// that long (for 'recording': RTP from the far end was received).
	async waitAudio(seconds, { which = 'recording', timeout = seconds * 1000 + 5000 } = {}) {
		const deadline = Date.now() + timeout;
		for (;;) {
			const s = this.audioSeconds(which);
			if (s >= seconds) return s;
			const closed = this.lines.slice(this.callFrom).find((l) => CLOSED.test(l));
			if (this.exited || closed || Date.now() >= deadline)
				throw new Error(`${this.user}: ${which} holds ${s.toFixed(2)} s of audio, wanted ${seconds} s` +
					`${this.exited ? ' (baresip exited)' : closed ? ` (call closed: ${closed})` : ` within ${timeout} ms`}` +
					`\n${this.tail()}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}

	// Resolves { reason, line } once the call has ended (either side).
	async closed({ timeout = 10000 } = {}) {
		const m = await this.waitLine(CLOSED, timeout,
			`the call to ${this.uri} to close`, this.callFrom);
		this.closedAt = Date.now();
		return { reason: m[1] || m[2] || '', line: m[0] };
	}

	// Hangs up (BYE) and waits until baresip reports the call closed.
	async hangup({ timeout = 5000 } = {}) {
		this.command('/hangup');
		return this.closed({ timeout });
	}

	// Quits baresip ("q", then SIGTERM, then SIGKILL, each with a bound) and
	// resolves the recording paths; the WAV headers are final once it exited.
	async stop({ timeout = 3000 } = {}) {
		if (!this.exited && !this.spawnError) {
			try { this.command('q'); } catch { /* exited meanwhile */ }
			const race = (ms) => Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, ms))]);
			if (!await race(timeout)) {
				this.proc.kill('SIGTERM');
				if (!await race(2000)) {
					this.proc.kill('SIGKILL');
					await this.exitPromise;
				}
			}
		}
		return { recording: this.recording, sent: this.sent, exited: this.exited };
	}

	// Stops it if needed and removes the temporary folder. keepTo: copy the
	// recordings there first (for a failing test's artifacts).
	async dispose({ keepTo = null } = {}) {
		await this.stop().catch(() => {});
		if (keepTo) {
			try {
				fs.mkdirSync(keepTo, { recursive: true });
				for (const f of fs.readdirSync(this.recDir))
					fs.copyFileSync(path.join(this.recDir, f), path.join(keepTo, `${this.user}-${f}`));
				fs.writeFileSync(path.join(keepTo, `${this.user}-baresip.log`), this.out);
			} catch { /* best effort */ }
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}
