// SIP callers as room participants, end to end: SIPp (scenarios in ../sip/)
// calls rooms where headless Chromium pages publish their fake microphone.
// Over UDP and over TCP, run side by side to keep the file short (~80 s):
//  1. the call is answered, the page sees a participant of kind "sip" join,
//     Parley's PCMU reaches the caller every 20 ms (no gap > 300 ms) and
//     carries the page's beep; the caller echoes it, so the page plays the
//     caller's audio (energy rising); the page mutes its mic and the call
//     survives 60 s of room silence (RTP goes on, no BYE, still listed);
//     then the caller hangs up and the page sees it leave.
//  2. kicking the caller through the API, or deleting its room, sends it BYE.
//  3. GET participants lists a caller with kind "sip", its name and an
//     audio track whose packets_received rises.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer, launchBrowser, freePort, waitFor, waitJoinedState, stats,
	withArtifacts, E2E_DIR } from './lib/harness.mjs';
import { Api } from './lib/api.mjs';

const SCENARIOS = path.resolve(E2E_DIR, '../sip');
const SILENCE_MS = Number(process.env.E2E_SIP_SILENCE_MS || 60000);
const MAX_GAP_MS = 300;
const LOUD_RMS = 300;     // 16-bit PCM RMS of a 20 ms packet that carries the beep
const QUIET_RMS = 30;     // ... and of one that is (near) silence

let server, browser, api;
const pages = [];
// This process's own event-loop stalls, reported with the gaps.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// ... and when they happened: while this process stalls, Parley's packets wait
// in the socket buffer and arrive late together, a gap that is not Parley's.
const stalls = [];
let lastTick = Date.now();
const ticker = setInterval(() => {
	const now = Date.now();
	if (now - lastTick > 60) stalls.push({ from: lastTick, to: now });
	lastTick = now;
}, 10);
ticker.unref();

// The part of the arrival gap [from, to] not covered by this process's stalls.
function unexplained(from, to) {
	let covered = 0;
	for (const s of stalls)
		covered += Math.max(0, Math.min(to, s.to) - Math.max(from, s.from));
	return to - from - covered;
}

before(async () => {
	const sipPort = await freePort();
	server = await startServer({ extraArgs: ['--sip-port', String(sipPort), '--sip-address', '127.0.0.1',
		'--sip-create-rooms', '1'] });
	server.sipPort = sipPort;
	browser = await launchBrowser();
	api = new Api(server);
	loopDelay.reset();   // start-up (browser launch) is not what the calls compete with
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

// ---- SIPp -----------------------------------------------------------------

// Starts one SIPp call; returns {port, callId, done} where done resolves
// {code, out} when SIPp exits. keys: extra -key name value pairs.
async function startSipp(scenario, { service, tcp = false, rtpPort = 9, keys = {}, tag = service } = {}) {
	const port = await freePort();
	const args = [`127.0.0.1:${server.sipPort}`, '-sf', path.join(SCENARIOS, `${scenario}.xml`),
		'-s', service, '-key', 'rtpport', String(rtpPort),
		...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
		'-m', '1', '-l', '1', '-i', '127.0.0.1', '-p', String(port), '-nostdin',
		'-cid_str', `${tag}-%u@parley-e2e`, '-timeout', '150', '-timeout_error', '-max_recv_loops', '1000',
		...(tcp ? ['-t', 't1'] : [])];
	const proc = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { out += d; });
	const done = new Promise((resolve) => proc.on('exit', (code) => resolve({ code, out: out.slice(-3000) })));
	const s = { port, tcp, proc, callId: `${tag}-1@parley-e2e`, done, exited: null };
	done.then((r) => { s.exited = r; });
	return s;
}

// Resolves p's value, or null once ms pass (the timer is cleared either way,
// so nothing pending keeps node waiting at the end).
async function within(p, ms) {
	let timer;
	const r = await Promise.race([p, new Promise((res) => { timer = setTimeout(() => res(null), ms); })]);
	clearTimeout(timer);
	return r;
}

// Waits (bounded) for SIPp to exit; resolves {code, out}.
async function sippExit(s, timeout, what) {
	const r = await within(s.done, timeout);
	if (!r) {
		s.proc.kill('SIGKILL');
		throw new Error(`SIPp did not finish within ${timeout} ms (${what})`);
	}
	return r;
}

// Tells a uac_call_until_notify SIPp to hang up: a NOTIFY with its Call-ID
// sent to its own port (UDP, or a new TCP connection in -t t1 mode).
async function hangUp(s) {
	const t = s.tcp ? 'TCP' : 'UDP';
	const msg = `NOTIFY sip:sipp@127.0.0.1:${s.port} SIP/2.0\r\n`
		+ `Via: SIP/2.0/${t} 127.0.0.1:9;branch=z9hG4bK-hangup-${Date.now()}\r\n`
		+ 'From: <sip:e2e@127.0.0.1>;tag=e2e\r\nTo: <sip:sipp@127.0.0.1>\r\n'
		+ `Call-ID: ${s.callId}\r\nCSeq: 1 NOTIFY\r\nEvent: hang-up\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
	if (!s.tcp) {
		const sock = dgram.createSocket('udp4');
		await new Promise((r) => sock.send(msg, s.port, '127.0.0.1', r));
		sock.close();
		return;
	}
	const c = net.connect(s.port, '127.0.0.1');
	c.on('error', () => {});
	await new Promise((resolve, reject) => { c.once('connect', resolve); c.once('error', reject); });
	c.write(msg);
	s.done.finally(() => c.destroy());
}

// ---- the caller's RTP -----------------------------------------------------

// G.711 µ-law to 16-bit linear.
function ulaw(b) {
	b = ~b & 0xff;
	const t = (((b & 0x0f) << 3) + 0x84) << ((b & 0x70) >> 4);
	return b & 0x80 ? 0x84 - t : t - 0x84;
}

function rms(payload) {
	let e = 0;
	for (const b of payload) { const v = ulaw(b); e += v * v; }
	return payload.length ? Math.sqrt(e / payload.length) : 0;
}

// A UDP socket standing in for the caller's RTP port. Records every RTP
// packet from Parley (arrival time, payload type, payload RMS). mode
// 'echo' sends each packet straight back (the caller "says" what it hears);
// 'tone' answers each with a 20 ms 400 Hz PCMU tone of its own.
async function rtpPeer({ mode = 'echo' } = {}) {
	const sock = dgram.createSocket('udp4');
	const peer = { sock, arrivals: [], pts: new Set(), stopAt: Infinity };
	let seq = 1, ts = 0, phase = 0;
	sock.on('message', (msg, rinfo) => {
		if (msg.length < 12 || (msg[1] >= 192 && msg[1] <= 223)) return; // RTCP
		const now = Date.now();
		const cc = msg[0] & 0x0f, ext = msg[0] & 0x10;
		let off = 12 + 4 * cc;
		if (ext && msg.length >= off + 4) off += 4 + 4 * msg.readUInt16BE(off + 2);
		const pt = msg[1] & 0x7f;
		peer.pts.add(pt);
		peer.arrivals.push({ t: now, rms: pt === 0 ? rms(msg.subarray(off)) : 0 });
		if (mode === 'echo') {
			sock.send(msg, rinfo.port, rinfo.address);
		} else {
			const p = Buffer.alloc(12 + 160);
			p[0] = 0x80; p[1] = 0;
			p.writeUInt16BE(seq++ & 0xffff, 2); p.writeUInt32BE(ts >>> 0, 4); p.writeUInt32BE(0x70e5, 8);
			ts += 160;
			for (let i = 0; i < 160; i++, phase++) {
				const v = Math.round(8000 * Math.sin(2 * Math.PI * 400 * phase / 8000));
				p[12 + i] = linearToUlaw(v);
			}
			sock.send(p, rinfo.port, rinfo.address);
		}
	});
	await new Promise((r) => sock.bind(0, '127.0.0.1', r));
	peer.port = sock.address().port;
	peer.close = () => sock.close();
	// Arrivals in [from, to).
	peer.between = (from, to = Infinity) => peer.arrivals.filter((a) => a.t >= from && a.t < to);
	// The longest gap between packets (and before the first/after the last
	// one up to `to`) in [from, to), net of this process's own stalls (raw:
	// the same gap with them).
	peer.maxGap = (from, to) => {
		let prev = from, max = 0, at = from, raw = 0;
		const note = (t) => {
			const g = unexplained(prev, t);
			if (g > max) { max = g; at = prev; raw = t - prev; }
			prev = t;
		};
		for (const a of peer.between(from, to)) note(a.t);
		note(to);
		return { max, at, raw };
	};
	return peer;
}

function linearToUlaw(v) {
	const sign = v < 0 ? 0x80 : 0;
	let m = Math.min(Math.abs(v), 32635) + 0x84;
	let exp = 7;
	for (let mask = 0x4000; (m & mask) === 0 && exp > 0; mask >>= 1) exp--;
	const mant = (m >> (exp + 3)) & 0x0f;
	return ~(sign | (exp << 4) | mant) & 0xff;
}

// ---- pages and the API ----------------------------------------------------

// A conference page (microphone only) that records every signaling message
// it receives in window.__wsIn (parley.js keeps no participant kinds).
async function openRecordingPage(room, name) {
	const context = await browser.newContext({ viewport: { width: 640, height: 480 } });
	await context.addInitScript(() => {
		window.__wsIn = [];
		const Native = window.WebSocket;
		window.WebSocket = class extends Native {
			constructor(...args) {
				super(...args);
				this.addEventListener('message', (e) => {
					try { window.__wsIn.push(JSON.parse(e.data)); } catch { /* not JSON */ }
				});
			}
		};
	});
	const page = await context.newPage();
	const logs = [];
	page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
	const q = new URLSearchParams({ room, name, video: '0', autojoin: '1' });
	await page.goto(`${server.url}/?${q}`);
	const p = { page, context, name, logs };
	pages.push(p);
	await waitJoinedState(p);
	return p;
}

const wsMessage = (p, type, id) => p.page.evaluate(([ty, pid]) => window.__wsIn.find((m) => m.type === ty
	&& (m.participant ? m.participant.id === pid || (!pid && m.participant.kind === 'sip') : m.id === pid)),
[type, id]);

async function listed(room) {
	const r = await api.get(`/api/v1/rooms/${encodeURIComponent(room)}/participants`);
	if (r.status === 404) return [];
	assert.equal(r.status, 200, r.text);
	return r.json.participants;
}

// Waits until GET participants lists a sip caller named `name` whose audio
// track's packets_received rises between two samples; returns it.
async function waitListedSip(room, name, timeout = 10000) {
	let prev = null, last = null;
	return waitFor(async () => {
		const p = (await listed(room)).find((x) => x.kind === 'sip' && x.name === name);
		last = p;
		const a = p && p.tracks.find((t) => t.kind === 'audio');
		const ok = a && prev !== null && a.packets_received > prev ? p : null;
		prev = a ? a.packets_received : null;
		return ok;
	}, { timeout, interval: 500, message: `${room}: sip caller ${name} listed with rising packets_received` })
		.catch((e) => { e.message += `\nlast: ${JSON.stringify(last)}`; throw e; });
}

// Waits until page p's audio from participant id rises in packets and energy.
async function waitHearing(p, id, timeout = 15000) {
	let prev = null;
	return waitFor(async () => {
		const a = (await stats(p)).participants[id]?.audio;
		const ok = a && prev && a.packetsReceived > prev.packetsReceived
			&& a.totalAudioEnergy > prev.totalAudioEnergy && prev.totalAudioEnergy > 0;
		prev = a || null;
		return ok ? a : false;
	}, { timeout, interval: 400, message: `${p.name} to play rising audio from ${id}` })
		.catch((e) => { e.message += `\nlast audio stats: ${JSON.stringify(prev)}`; throw e; });
}

const endLine = (room) => server.stderr.split('\n').find((l) => / ended: /.test(l) && l.includes(`room ${room},`));

// ---- tests ----------------------------------------------------------------

describe('SIP callers in rooms', { concurrency: true }, () => {
	for (const tcp of [false, true]) {
		const T = tcp ? 'TCP' : 'UDP';
		const room = `sip-room-${T.toLowerCase()}`;
		const caller = `Caller ${T}`;
		test(`${T}: a caller and a browser hear each other; the call outlives 60 s of silence`, { timeout: 110000 },
			() => withArtifacts(`sip-room-${T}`, server, pages, async () => {
				const B = await openRecordingPage(room, `B-${T}`);
				const rtp = await rtpPeer({ mode: 'echo' });
				const t0 = Date.now();
				const sipp = await startSipp('uac_call_until_notify', { service: room, tcp, rtpPort: rtp.port,
					keys: { caller }, tag: room });
				try {
					// Answered: Parley's RTP arrives (the 200 came first) and the page hears of a sip participant.
					await waitFor(() => rtp.arrivals.length > 0 || sipp.exited,
						{ timeout: 10000, message: 'RTP from Parley' });
					assert.equal(sipp.exited, null, `SIPp ended early: ${sipp.exited?.out}`);
					const tAnswer = rtp.arrivals[0].t;
					const joined = await waitFor(() => wsMessage(B, 'participant_joined', null),
						{ timeout: 5000, message: `${B.name} to see the caller join` });
					const sipId = joined.participant.id;
					assert.equal(joined.participant.kind, 'sip');
					assert.equal(joined.participant.name, caller);
					const tJoined = Date.now();

					// The caller hears the page's beep (PCMU with energy), echoes it, and the page plays it.
					await waitFor(() => rtp.between(tAnswer).filter((a) => a.rms > LOUD_RMS).length >= 5,
						{ timeout: 10000, message: `beep energy in the PCMU the caller receives (max rms ${
							Math.round(Math.max(0, ...rtp.arrivals.map((a) => a.rms)))})` });
					const heard = await waitHearing(B, sipId);
					const entry = await waitListedSip(room, caller);
					assert.equal(entry.id, sipId);
					assert.equal(entry.can_subscribe, false);
					assert.equal(entry.tracks.length, 1);
					assert.equal(entry.tracks[0].codec, 'opus');
					const tLoud = Date.now();

					// The page mutes its mic: the room falls silent for the caller.
					await B.page.click('#mic-button');
					await waitFor(() => B.page.evaluate(() => window.parley.room.localStream.getAudioTracks()[0].enabled === false),
						{ timeout: 3000, message: 'the local audio track disabled' });
					const tMute = Date.now();
					// (The beep is intermittent: require a quiet second that starts after the mute.)
					const tQuiet = await waitFor(() => {
						const recent = rtp.between(Math.max(tMute, Date.now() - 1000));
						return recent.length >= 45 && recent.every((a) => a.rms < QUIET_RMS) && recent[0].t;
					}, { timeout: 5000, message: 'silence in the PCMU after the mute' });

					// 60 s of room silence: RTP goes on, no BYE (SIPp would fail on one), still listed.
					const silenceEnd = tMute + SILENCE_MS;
					while (Date.now() < silenceEnd) {
						const r = await within(sipp.done, Math.min(5000, silenceEnd - Date.now()));
						if (r) assert.fail(`the call ended during the silence (${Date.now() - tMute} ms after the mute): ${r.out}`);
						server.assertAlive();
					}
					const still = (await listed(room)).find((x) => x.id === sipId);
					assert.ok(still, `caller still listed after ${SILENCE_MS} ms of silence`);
					assert.equal(still.kind, 'sip');
					assert.ok(await B.page.evaluate((id) => window.parley.room.participants.has(id), sipId),
						'the page still has the caller');
					const loudInSilence = rtp.between(tQuiet, silenceEnd).filter((a) => a.rms >= QUIET_RMS);
					assert.equal(loudInSilence.length, 0, `audible packets while muted: ${loudInSilence.length}`);

					// RTP all along: no gap over 300 ms from the first packet to now.
					const tHangup = Date.now();
					const gap = rtp.maxGap(tAnswer, tHangup);
					const n = rtp.between(tAnswer, tHangup).length;
					assert.ok(gap.max <= MAX_GAP_MS, `RTP gap of ${gap.max} ms at +${gap.at - tAnswer} ms (${
						gap.raw} ms with this process's own stalls)`);
					assert.ok(n >= (tHangup - tAnswer) / 20 * 0.9, `${n} RTP packets in ${tHangup - tAnswer} ms`);
					assert.deepEqual([...rtp.pts], [0], 'PCMU only');

					// The caller hangs up: BYE -> 200, and the page sees it leave.
					await hangUp(sipp);
					const r = await sippExit(sipp, 10000, 'BYE -> 200');
					assert.equal(r.code, 0, r.out);
					const left = await waitFor(() => wsMessage(B, 'participant_left', sipId),
						{ timeout: 5000, message: `${B.name} to see the caller leave` });
					await waitFor(() => B.page.evaluate((id) => !window.parley.room.participants.has(id), sipId),
						{ timeout: 5000, message: 'the page to drop the caller' });
					await waitFor(async () => !(await listed(room)).some((x) => x.id === sipId),
						{ timeout: 5000, message: 'the caller gone from the list' });
					const end = await waitFor(() => endLine(room), { timeout: 5000, message: 'the call end log line' });
					assert.match(end, /codec PCMU/);
					assert.match(end, /caller hung up/);
					console.log(`# ${T}: answered +${tAnswer - t0} ms, joined +${tJoined - t0}, beep heard both ways +${
						tLoud - t0} (page energy ${heard.totalAudioEnergy.toFixed(3)}), muted +${tMute - t0}, silent +${
						tQuiet - t0}, hung up +${tHangup - t0}; ${n} RTP packets, max gap ${gap.max} ms at +${gap.at - t0} (${gap.raw} ms raw), gaps > 100 ms: ${
						rtp.between(tAnswer, tHangup).filter((x, i, arr) => i && x.t - arr[i - 1].t > 100).length
					} (this process's worst event-loop stall ${Math.round(loopDelay.max / 1e6)} ms, ${stalls.length} over 60 ms); loud before the mute ${
						rtp.between(tAnswer, tMute).filter((x) => x.rms > LOUD_RMS).length}/${rtp.between(tAnswer, tMute).length
					}; caller's track packets_received ${entry.tracks[0].packets_received} -> ${
						still.tracks[0].packets_received} over the silence; left: ${left.reason}`);
				} finally {
					if (!sipp.exited) sipp.proc.kill('SIGKILL');
					rtp.close();
					await B.context.close().catch(() => {});
				}
			}));
	}

	for (const tcp of [false, true]) {
		const T = tcp ? 'TCP' : 'UDP';
		test(`${T}: a caller is listed (kind sip, name, rising packets); a kick sends BYE`, { timeout: 40000 }, async () => {
			const room = `sip-kick-${T.toLowerCase()}`;
			const rtp = await rtpPeer({ mode: 'tone' });
			const sipp = await startSipp('uac_wait_bye', { service: room, tcp, rtpPort: rtp.port, tag: room });
			try {
				const p = await waitListedSip(room, 'sipp', 15000);
				assert.match(p.identity, /^sip:sipp@127\.0\.0\.1/);
				assert.equal(p.connected, true);
				const t = Date.now();
				const del = await api.del(`/api/v1/rooms/${room}/participants/${p.id}`);
				assert.equal(del.status, 204, del.text);
				const r = await sippExit(sipp, 10000, 'BYE after the kick');
				assert.equal(r.code, 0, r.out);
				const byeMs = Date.now() - t;
				await waitFor(async () => !(await listed(room)).some((x) => x.id === p.id),
					{ timeout: 5000, message: 'the kicked caller gone from the list' });
				const end = await waitFor(() => endLine(room), { timeout: 5000, message: 'the call end log line' });
				assert.match(end, /reason removed/);
				console.log(`# ${T} kick: BYE answered ${byeMs} ms after DELETE; ${end.replace(/.* ended: /, '')}`);
			} finally {
				if (!sipp.exited) sipp.proc.kill('SIGKILL');
				rtp.close();
			}
		});

		test(`${T}: deleting the room sends the caller BYE`, { timeout: 40000 }, async () => {
			const room = `sip-gone-${T.toLowerCase()}`;
			const rtp = await rtpPeer({ mode: 'tone' });
			const sipp = await startSipp('uac_wait_bye', { service: room, tcp, rtpPort: rtp.port, tag: room });
			try {
				await waitListedSip(room, 'sipp', 15000);
				const t = Date.now();
				const del = await api.del(`/api/v1/rooms/${room}`);
				assert.equal(del.status, 204, del.text);
				const r = await sippExit(sipp, 10000, 'BYE after the room delete');
				assert.equal(r.code, 0, r.out);
				const byeMs = Date.now() - t;
				const gone = await api.get(`/api/v1/rooms/${room}`);
				assert.equal(gone.status, 404, gone.text);
				const end = await waitFor(() => endLine(room), { timeout: 5000, message: 'the call end log line' });
				console.log(`# ${T} room delete: BYE answered ${byeMs} ms after DELETE; ${end.replace(/.* ended: /, '')}`);
			} finally {
				if (!sipp.exited) sipp.proc.kill('SIGKILL');
				rtp.close();
			}
		});
	}
});
