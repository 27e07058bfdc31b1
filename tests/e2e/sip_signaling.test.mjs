// SIP dial-in signaling and media against SIPp (Debian sip-tester): calls
// over UDP and TCP, delayed offer, hold/resume, CANCEL, OPTIONS, refusals
// (404, 503, 400) and malformed input, with RTP from Parley checked by a
// small UDP listener that also echoes it back (so Parley's receive path and
// symmetric RTP are exercised too). Scenarios are in ../sip/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, freePort, sleep, waitFor, E2E_DIR } from './lib/harness.mjs';

const SCENARIOS = path.resolve(E2E_DIR, '../sip');

// Runs one SIPp scenario to completion; resolves { code, out }.
async function sipp(server, scenario, { service = 'room1', tcp = false, pauseMs = 1000, rtpPort = 9, calls = 1 } = {}) {
	const localPort = await freePort();
	const args = [`127.0.0.1:${server.sipPort}`, '-sf', path.join(SCENARIOS, `${scenario}.xml`),
		'-s', service, '-key', 'rtpport', String(rtpPort), '-m', String(calls), '-l', String(calls),
		'-i', '127.0.0.1', '-p', String(localPort), '-nostdin', '-d', String(pauseMs),
		'-timeout', '40', '-timeout_error', '-max_recv_loops', '1000', ...(tcp ? ['-t', 't1'] : [])];
	const proc = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { out += d; });
	const code = await new Promise((resolve) => proc.on('exit', (c) => resolve(c)));
	return { code, out: out.slice(-3000) };
}

// A UDP socket standing in for the caller's RTP port: counts what Parley
// sends and echoes it back to where it came from.
async function rtpPeer({ echo = true } = {}) {
	const sock = dgram.createSocket('udp4');
	const peer = { sock, packets: 0, pts: new Set(), first: 0, last: 0, from: null };
	sock.on('message', (msg, rinfo) => {
		if (msg.length < 12 || (msg[1] >= 192 && msg[1] <= 223)) return; // RTCP
		peer.packets++;
		peer.pts.add(msg[1] & 0x7f);
		peer.last = Date.now();
		if (!peer.first) peer.first = peer.last;
		peer.from = rinfo;
		if (echo) sock.send(msg, rinfo.port, rinfo.address);
		// Once media flows, press 5 (RFC 4733: start, update, three ends).
		if (peer.packets === 25) {
			const ts = Math.floor(Math.random() * 2 ** 31);
			for (let i = 0; i < 5; i++) {
				const p = Buffer.alloc(16);
				p[0] = 0x80; p[1] = (i === 0 ? 0x80 : 0) | 101;
				p.writeUInt16BE(7000 + i, 2); p.writeUInt32BE(ts, 4); p.writeUInt32BE(0x5eed, 8);
				p[12] = 5; p[13] = (i >= 2 ? 0x80 : 0) | 10; p.writeUInt16BE(160 * (i + 1), 14);
				sock.send(p, rinfo.port, rinfo.address);
			}
		}
	});
	await new Promise((r) => sock.bind(0, '127.0.0.1', r));
	peer.port = sock.address().port;
	peer.close = () => sock.close();
	return peer;
}

async function sipServer(extra = []) {
	const sipPort = await freePort();
	const server = await startServer({ extraArgs: ['--sip-port', String(sipPort), '--sip-address', '127.0.0.1', ...extra] });
	server.sipPort = sipPort;
	return server;
}

const ended = (server, re) => server.stderr.split('\n').filter((l) => / ended: /.test(l) && re.test(l));

let server;
before(async () => {
	server = await sipServer(['--sip-create-rooms', '1', '--sip-max-calls', '2']);
});
after(async () => { await server?.stop(); });

for (const tcp of [false, true]) {
	const name = tcp ? 'TCP' : 'UDP';
	test(`call over ${name}: 100 and 200 at once (no ringing by default) with SDP, RTP flows both ways, BYE ends it`, async () => {
		const rtp = await rtpPeer();
		const t0 = Date.now();
		const r = await sipp(server, 'uac_call', { tcp, pauseMs: 3000, rtpPort: rtp.port, service: `call-${name}` });
		rtp.close();
		assert.equal(r.code, 0, r.out);
		// 3 s of 20 ms packets: ~150; allow for start-up and teardown.
		assert.ok(rtp.packets >= 100, `RTP packets from Parley: ${rtp.packets}`);
		assert.ok(rtp.last - rtp.first >= 2500, `RTP lasted ${rtp.last - rtp.first} ms`);
		assert.deepEqual([...rtp.pts], [0], 'PCMU');
		const lines = await waitFor(() => ended(server, new RegExp(`room call-${name},.*caller hung up`)).length && ended(server, new RegExp(`room call-${name},`)), { message: 'call end log' });
		const rx = Number(/rtp rx (\d+)/.exec(lines[0])[1]);
		assert.ok(rx > 50, `Parley received the echoed RTP: ${lines[0]}`);
		assert.match(lines[0], new RegExp(`codec PCMU`));
		// DTMF, once per press, by RTP and by INFO.
		const keys = server.stderr.split('\n').filter((l) => l.includes(`(room call-${name}): DTMF`));
		assert.deepEqual(keys.map((l) => /DTMF (.*)$/.exec(l)[1]), ['5 (rtp)', '7 (INFO)']);
		assert.ok(server.stderr.includes(`room call-${name}, codec PCMU, ${name} from 127.0.0.1`));
		console.log(`call over ${name}: ${rtp.packets} RTP packets in ${Date.now() - t0} ms`);
	});
}

test('delayed offer: our offer in the 200, the answer (PCMA) in the ACK', async () => {
	const rtp = await rtpPeer();
	const r = await sipp(server, 'uac_delayed', { pauseMs: 1500, rtpPort: rtp.port, service: 'delayed' });
	rtp.close();
	assert.equal(r.code, 0, r.out);
	assert.ok(rtp.packets >= 40, `RTP packets: ${rtp.packets}`);
	assert.deepEqual([...rtp.pts], [8], 'PCMA, as answered');
	await waitFor(() => ended(server, /room delayed, codec PCMA,.*caller hung up/).length, { message: 'end log' });
});

test('re-INVITE hold (sendonly -> recvonly) and resume (sendrecv)', async () => {
	const rtp = await rtpPeer();
	const r = await sipp(server, 'uac_hold', { rtpPort: rtp.port, service: 'hold' });
	rtp.close();
	assert.equal(r.code, 0, r.out);
	assert.match(server.stderr, /re-INVITE, media recvonly/);
	assert.match(server.stderr, /re-INVITE, media sendrecv/);
	assert.ok(rtp.packets >= 60, `RTP before and after hold: ${rtp.packets}`);
	await waitFor(() => ended(server, /room hold,.*caller hung up/).length, { message: 'end log' });
});

for (const tcp of [false, true]) {
	test(`OPTIONS over ${tcp ? 'TCP' : 'UDP'} -> 200 with Allow and Accept`, async () => {
		const r = await sipp(server, 'uac_options', { tcp });
		assert.equal(r.code, 0, r.out);
	});
}

test('a user part that is no room -> 404', async () => {
	const r = await sipp(server, 'uac_404', { service: 'no%20such%20room' });
	assert.equal(r.code, 0, r.out);
});

test('INVITE with invalid SDP -> 400', async () => {
	const r = await sipp(server, 'uac_bad_sdp', { service: 'badsdp' });
	assert.equal(r.code, 0, r.out);
});

test('beyond sip_max_calls -> 503, the calls in progress go on', async () => {
	const long = [sipp(server, 'uac_call', { pauseMs: 4000, service: 'busy1' }),
		sipp(server, 'uac_call', { pauseMs: 4000, service: 'busy2' })];
	await waitFor(() => (server.stderr.match(/room busy\d, codec/g) || []).length >= 2, { message: 'two calls up' });
	const r = await sipp(server, 'uac_503', { service: 'busy3' });
	assert.equal(r.code, 0, r.out);
	for (const p of long) assert.equal((await p).code, 0);
});

// SIGSTOP reaches the threads one by one: true once all are stopped.
function allStopped(pid) {
	const tasks = fs.readdirSync(`/proc/${pid}/task`);
	return tasks.every((t) => /^State:\s+T/m.test(fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8')));
}

test('Parley behind on its SIP socket for a second -> new calls get 503 Retry-After; answered again once it caught up', async () => {
	const s2 = await sipServer(['--sip-create-rooms', '1']);
	const sock = dgram.createSocket('udp4');
	try {
		const replies = [];
		sock.on('message', (m) => replies.push(m.toString()));
		await new Promise((r) => sock.bind(0, '127.0.0.1', r));
		const port = sock.address().port;
		const send = (m) => new Promise((r) => sock.send(m, s2.sipPort, '127.0.0.1', r));
		const head = (method, callId, cseq) => `${method} sip:stalled@127.0.0.1 SIP/2.0\r\n` +
			`Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${callId};rport\r\nMax-Forwards: 70\r\n` +
			`From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:stalled@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\n`;
		const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
			'm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
		// The stall is the stimulus: 1.5 s of OPTIONS (keep-alives, as a
		// trunk sends) queue up while Parley is stopped, then an INVITE.
		s2.proc.kill('SIGSTOP');
		await waitFor(() => allStopped(s2.proc.pid), { timeout: 5000, message: 'every Parley thread stopped' });
		for (let i = 0; i < 15; i++) {
			await send(`${head('OPTIONS', `ka-${i}`, 1)}Content-Length: 0\r\n\r\n`);
			await sleep(100);
		}
		await send(`${head('INVITE', 'stalled-1', 1)}Contact: <sip:a@127.0.0.1:${port}>\r\n` +
			`Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
		s2.proc.kill('SIGCONT');
		const final = await waitFor(() => replies.find((x) => /Call-ID: stalled-1\r\n/.test(x) && !x.startsWith('SIP/2.0 1')),
			{ timeout: 5000, message: 'a final response to the INVITE' });
		assert.match(final, /^SIP\/2.0 503 /);
		assert.match(final, /\r\nRetry-After: 1\r\n/i);
		await waitFor(() => replies.filter((x) => x.startsWith('SIP/2.0 200') && /Call-ID: ka-/.test(x)).length === 15,
			{ timeout: 5000, message: 'every OPTIONS answered 200' });
		assert.match(s2.stderr, /SIP thread behind: for \d+ ms every datagram waited over 200 ms/);
		await waitFor(() => /SIP thread caught up; 1 new calls got 503/.test(s2.stderr),
			{ timeout: 5000, message: 'Parley to catch up' });
		const r = await sipp(s2, 'uac_call', { pauseMs: 500, service: 'after-stall' });
		assert.equal(r.code, 0, r.out);
		s2.assertAlive();
	} finally {
		sock.close();
		s2.proc.kill('SIGCONT');
		await s2.stop();
	}
});

// Raw datagrams and a raw TCP stream, none of which may hurt anything.
async function sendGarbage(sipPort) {
	const sock = dgram.createSocket('udp4');
	const replies = [];
	sock.on('message', (m) => replies.push(m.toString()));
	await new Promise((r) => sock.bind(0, '127.0.0.1', r));
	const port = sock.address().port;
	const via = `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-junk`;
	const send = (s) => new Promise((r) => sock.send(Buffer.isBuffer(s) ? s : Buffer.from(s), sipPort, '127.0.0.1', r));
	const full = `INVITE sip:room1@127.0.0.1 SIP/2.0\r\n${via}1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:room1@127.0.0.1>\r\nCall-ID: junk1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 100\r\n\r\nv=0\r\n`;
	await send(full.slice(0, 60));                                      // truncated start line + header
	await send('INVITE sip:room1@127.0.0.1 SIP/2.0\r\n' + 'X-Junk: ' + 'a'.repeat(60000) + '\r\n\r\n'); // oversized
	await send(Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37) & 0xff)));              // binary
	await send(`OPTIONS sip:room1@127.0.0.1 SIP/2.0\r\n${via}2\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:room1@127.0.0.1>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`); // no Call-ID: 400
	await send(`BYE sip:room1@127.0.0.1 SIP/2.0\r\n${via}3\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:room1@127.0.0.1>\r\nCall-ID: junk3\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`); // CSeq method mismatch: 400
	await send(`INVITE sip:room1@127.0.0.1 SIP/2.0\r\n${via}4\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:room1@127.0.0.1>\r\nCall-ID: junk4\r\nCSeq: banana INVITE\r\nContent-Length: 0\r\n\r\n`); // bad CSeq
	await send(full);                                                   // Content-Length past the end
	const tcp = net.connect(sipPort, '127.0.0.1');
	await new Promise((r) => tcp.on('connect', r));
	tcp.write(`OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: nope\r\n\r\n`);
	const closed = new Promise((r) => tcp.on('close', r));
	tcp.on('error', () => {});
	await Promise.race([closed, sleep(2000)]);
	await sleep(300);
	sock.close();
	return replies;
}

test('malformed SIP is dropped or answered 400 while a call goes on', async () => {
	const rtp = await rtpPeer();
	const call = sipp(server, 'uac_call', { pauseMs: 3000, rtpPort: rtp.port, service: 'alongside' });
	await waitFor(() => server.stderr.includes('room alongside, codec'), { message: 'call up' });
	const replies = await sendGarbage(server.sipPort);
	const r = await call;
	rtp.close();
	assert.equal(r.code, 0, r.out);
	assert.ok(rtp.packets >= 100, `RTP kept flowing: ${rtp.packets}`);
	assert.ok(replies.filter((s) => s.startsWith('SIP/2.0 400')).length >= 2, `400s: ${replies.map((s) => s.split('\r\n')[0])}`);
	// libosip2's own complaints go to the log at debug, never to stdout.
	assert.doesNotMatch(server.stdout, /ERROR|Malformed|could not parse/i);
	server.assertAlive();
	const o = await sipp(server, 'uac_options');
	assert.equal(o.code, 0, o.out);
});

test('CANCEL before the answer -> 200 and 487; media timeout -> BYE from Parley', async () => {
	const s2 = await sipServer(['--sip-create-rooms', '1', '--sip-ring-ms', '2000', '--sip-media-timeout-s', '5']);
	let secs;
	try {
		const r = await sipp(s2, 'uac_cancel', { service: 'cancelme' });
		assert.equal(r.code, 0, r.out);
		const t0 = Date.now();
		const q = await sipp(s2, 'uac_wait_bye', { service: 'quiet' });
		assert.equal(q.code, 0, q.out);
		secs = (Date.now() - t0) / 1000;   // 2 s of ringing, then 5 s without RTP
	} finally {
		await s2.stop();
	}
	assert.match(s2.stderr, /room cancelme, codec PCMU, [0-9.]+ s, reason cancelled/);
	assert.match(s2.stderr, /room quiet, codec PCMU, [0-9.]+ s, reason media timeout/);
	assert.ok(secs >= 6.5 && secs < 14, `BYE after ${secs} s`);
});

test('unknown room without sip_create_rooms -> 404', async () => {
	const s3 = await sipServer();
	try {
		const n = await sipp(s3, 'uac_404', { service: 'nobody-made-this' });
		assert.equal(n.code, 0, n.out);
	} finally {
		await s3.stop();
	}
	assert.match(s3.stderr, /refused: 404 No Such Room/);
});
