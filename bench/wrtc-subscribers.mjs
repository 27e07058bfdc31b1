// N real libwebrtc subscribers (npm @roamhq/wrtc) on Parley or Janus's
// VideoRoom, for the cross-check of parley-loadgen (bench/run.py --crosscheck):
// the same server CPU per forwarded packet whether the subscribers are
// libwebrtc or the load generator. A publisher must already be in the room
// (parley-loadgen --subscribers 0). Prints one JSON line.
//
//   node bench/wrtc-subscribers.mjs --server parley --url ws://127.0.0.1:8080/ws --room bench \
//        --n 2 --duration 20 --warmup 3 --server-pid PID
//   node bench/wrtc-subscribers.mjs --server janus --url http://127.0.0.1:8088/janus --janus-room 1234 ...
//
// Like every subscriber of the suite they answer, receive and report; they
// decode video (libwebrtc does), which costs this process, not the server.
// Parley's data channel section is refused in the answer sent (wrtc offers
// no way to refuse it), so neither server runs SCTP, as with the load generator.
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wrtc = require('@roamhq/wrtc');
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
	if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
	return acc;
}, []));
const kind = args.server || 'parley';
const n = Number(args.n || 1);
const duration = Number(args.duration || 20);
const warmup = Number(args.warmup || 3);
const serverPid = Number(args['server-pid'] || 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clockTicks = 100; // sysconf(_SC_CLK_TCK) on Linux

function serverCpu() {
	if (!serverPid) return 0;
	const f = fs.readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
	return (Number(f[11]) + Number(f[12])) / clockTicks;
}

// Parley's answer without its data channel: port 0 on the application section.
function refuseData(sdp) {
	return sdp.replace(/^m=application \d+ /m, 'm=application 0 ');
}

async function parleySubscriber(i) {
	const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
	const ws = new WebSocket(args.url);
	const send = (m) => ws.send(JSON.stringify(m));
	pc.onicecandidate = (e) => {
		if (ws.readyState !== WebSocket.OPEN) return;
		send({ type: 'candidate', candidate: e.candidate ? { candidate: e.candidate.candidate,
			sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } : null });
	};
	ws.on('message', (data) => onMessage(JSON.parse(data)).catch((e) => {
		if (pc.signalingState !== 'closed') console.error(`wrtc${i}: ${e.message}`);
	}));
	const onMessage = async (m) => {
		if (m.type === 'offer') {
			await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
			const answer = await pc.createAnswer();
			await pc.setLocalDescription(answer);
			send({ type: 'answer', sdp: refuseData(answer.sdp) });
		} else if (m.type === 'candidate' && m.candidate && m.candidate.candidate) {
			await pc.addIceCandidate(m.candidate).catch(() => {});
		} else if (m.type === 'error') {
			console.error(`wrtc${i}: ${m.code} ${m.message}`);
		}
	};
	await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
	send({ type: 'join', room: args.room || 'bench', name: `wrtc${i}` });
	return { pc, close: () => { try { send({ type: 'leave' }); ws.close(); } catch {} pc.close(); } };
}

async function janus(path, body) {
	const r = await fetch(args.url + path, body ? { method: 'POST', body: JSON.stringify({ ...body,
		transaction: Math.random().toString(36).slice(2) }), headers: { 'content-type': 'application/json' } }
		: undefined);
	return r.json();
}

async function janusSubscriber(i) {
	const room = Number(args['janus-room'] || 1234);
	const session = (await janus('', { janus: 'create' })).data.id;
	const handle = (await janus(`/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
	const list = await janus(`/${session}/${handle}`, { janus: 'message', body: { request: 'listparticipants', room } });
	const pub = (list.plugindata.data.participants || []).find((p) => p.publisher);
	if (!pub) throw new Error('no publisher in the Janus room');
	const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
	let alive = true;
	const keepalive = setInterval(() => janus(`/${session}`, { janus: 'keepalive' }).catch(() => {}), 25000);
	const poll = (async () => {
		while (alive) {
			const evs = await janus(`/${session}?maxev=10&rid=${Date.now()}`).catch(() => []);
			for (const ev of [].concat(evs)) {
				if (ev.jsep && ev.jsep.type === 'offer') {
					await pc.setRemoteDescription(ev.jsep);
					await pc.setLocalDescription(await pc.createAnswer());
					while (pc.iceGatheringState !== 'complete') await sleep(20);
					await janus(`/${session}/${handle}`, { janus: 'message', body: { request: 'start', room },
						jsep: { type: 'answer', sdp: pc.localDescription.sdp } });
				} else if (ev.janus === 'trickle' && ev.candidate && ev.candidate.candidate) {
					await pc.addIceCandidate(ev.candidate).catch(() => {});
				}
			}
		}
	})();
	await janus(`/${session}/${handle}`, { janus: 'message', body: { request: 'join', room,
		ptype: 'subscriber', streams: [{ feed: pub.id }] } });
	return { pc, close: async () => { alive = false; clearInterval(keepalive);
		await janus(`/${session}`, { janus: 'destroy' }).catch(() => {}); pc.close(); poll.catch(() => {}); } };
}

async function inbound(pc) {
	const out = { packets: 0, video: 0, lost: 0, bytes: 0, frames: 0 };
	(await pc.getStats()).forEach((r) => {
		if (r.type !== 'inbound-rtp') return;
		out.packets += r.packetsReceived || 0;
		out.lost += r.packetsLost || 0;
		out.bytes += r.bytesReceived || 0;
		if (r.kind === 'video' || r.mediaType === 'video') {
			out.video += r.packetsReceived || 0;
			out.frames += r.framesDecoded || 0;
		}
	});
	return out;
}

async function sum(subs) {
	const all = await Promise.all(subs.map((s) => inbound(s.pc)));
	return all.reduce((a, b) => ({ packets: a.packets + b.packets, video: a.video + b.video,
		lost: a.lost + b.lost, bytes: a.bytes + b.bytes, frames: a.frames + b.frames }));
}

const subs = [];
const t0 = Date.now();
try {
	for (let i = 0; i < n; i++) subs.push(await (kind === 'janus' ? janusSubscriber(i) : parleySubscriber(i)));
	for (;;) {
		const each = await Promise.all(subs.map((s) => inbound(s.pc)));
		if (each.every((s) => s.video > 0 && s.packets > s.video)) break;
		if (Date.now() - t0 > 30000) throw new Error('subscribers did not receive audio and video in 30 s');
		await sleep(100);
	}
	const setup = (Date.now() - t0) / 1000;
	await sleep(warmup * 1000);
	const c0 = serverCpu(), s0 = await sum(subs), w0 = Date.now(), l0 = process.cpuUsage();
	await sleep(duration * 1000);
	const c1 = serverCpu(), s1 = await sum(subs), w1 = Date.now(), l1 = process.cpuUsage(l0);
	const packets = s1.packets - s0.packets, cpu = c1 - c0, mbit = (s1.bytes - s0.bytes) * 8 / 1e6;
	console.log(JSON.stringify({ client: 'wrtc', server: kind, n, window_s: (w1 - w0) / 1000, setup_s: setup,
		forwarded: { packets, video_packets: s1.video - s0.video, mbit, packets_per_s: packets / ((w1 - w0) / 1000) },
		lost: s1.lost - s0.lost, frames_decoded: s1.frames - s0.frames,
		server_proc: { cpu_s: cpu, us_per_packet: packets ? cpu * 1e6 / packets : 0, ms_per_mbit: mbit ? cpu * 1e3 / mbit : 0 },
		client_cpu_s: (l1.user + l1.system) / 1e6, loadavg: os.loadavg() }));
} catch (e) {
	console.error(e.message);
	process.exitCode = 1;
} finally {
	for (const s of subs) await s.close();
	await sleep(300);
	// wrtc 0.10 aborts in its N-API finalizers during Node's normal exit: skip them.
	process.reallyExit(process.exitCode || 0);
}
