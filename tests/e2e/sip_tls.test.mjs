// SIP over TLS, with Node's tls module as the client (SIPp here has no
// TLS): OPTIONS, a whole call (INVITE with PCMU over plain RTP, ACK, BYE,
// RTP checked at a UDP socket), our BYE on the caller's TLS connection at
// shutdown, hostile input on the TLS port (garbage, plaintext SIP, bad
// framing inside TLS, a client that never handshakes) next to a healthy
// connection, and a certificate that cannot be read. The certificate is a
// fresh self-signed one made with the openssl CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, freePort, waitFor } from './lib/harness.mjs';

const HANDSHAKE_TIMEOUT_S = 10;   // sip_transport.c

let certDir, cert, key;
let server;
let silent;   // a TCP connection to the TLS port that never says anything
let silentOpenedAt, silentClosed;

function makeCert(dir) {
	const c = path.join(dir, 'cert.pem'), k = path.join(dir, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
		'-nodes', '-keyout', k, '-out', c, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
	return [c, k];
}

async function tlsServer(extra = []) {
	const sipPort = await freePort();
	const tlsPort = await freePort();
	const s = await startServer({ extraArgs: ['--sip-port', String(sipPort), '--sip-address', '127.0.0.1',
		'--sip-tls-port', String(tlsPort), '--sip-tls-cert', cert, '--sip-tls-key', key,
		'--sip-create-rooms', '1', '--sip-ring-ms', '200', ...extra] });
	s.sipPort = sipPort;
	s.tlsPort = tlsPort;
	return s;
}

// ---- a minimal SIP-over-TLS client -----------------------------------------

function parse(text) {
	const end = text.indexOf('\r\n\r\n');
	const lines = text.slice(0, end).split('\r\n');
	const headers = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		const name = l.slice(0, i).trim().toLowerCase();
		(headers[name] ||= []).push(l.slice(i + 1).trim());
	}
	const status = /^SIP\/2\.0 (\d{3})/.exec(lines[0]);
	return { start: lines[0], status: status ? Number(status[1]) : 0,
		method: status ? null : lines[0].split(' ')[0], headers, body: text.slice(end + 4),
		h: (n) => (headers[n.toLowerCase()] || [])[0] };
}

// Frames what the server sends by Content-Length (it always sends one) and
// hands out messages in order; next(pred) waits for the next that matches.
class SipConn {
	static async open(port) {
		const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
		await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
		return new SipConn(sock);
	}

	constructor(sock) {
		this.sock = sock;
		this.buf = '';
		this.queue = [];
		this.waiters = [];
		this.closed = new Promise((r) => sock.on('close', r));
		sock.setEncoding('latin1');
		sock.on('error', () => {});
		sock.on('data', (d) => { this.buf += d; this.drain(); });
	}

	get localPort() { return this.sock.localPort; }

	drain() {
		for (;;) {
			this.buf = this.buf.replace(/^(\r\n)+/, '');
			const end = this.buf.indexOf('\r\n\r\n');
			if (end < 0) return;
			const len = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(this.buf.slice(0, end + 2))?.[1] ?? 0);
			if (this.buf.length < end + 4 + len) return;
			this.queue.push(parse(this.buf.slice(0, end + 4 + len)));
			this.buf = this.buf.slice(end + 4 + len);
			this.wake();
		}
	}

	wake() {
		for (const w of [...this.waiters]) {
			const i = this.queue.findIndex(w.pred);
			if (i >= 0) {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				clearTimeout(w.timer);
				w.resolve(this.queue.splice(i, 1)[0]);
			}
		}
	}

	next(pred = () => true, what = 'a message', timeout = 10000) {
		return new Promise((resolve, reject) => {
			const w = { pred, resolve };
			w.timer = setTimeout(() => {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				reject(new Error(`no ${what} within ${timeout} ms; unmatched: ${this.queue.map((m) => m.start)}`));
			}, timeout);
			this.waiters.push(w);
			this.wake();
		});
	}

	response(cseqMethod, status) {
		return this.next((m) => m.status === status && m.h('CSeq').endsWith(cseqMethod), `${status} to ${cseqMethod}`);
	}

	send(text) { this.sock.write(text); }
	close() { this.sock.end(); }
}

const branch = () => 'z9hG4bK-' + crypto.randomBytes(6).toString('hex');

function request(method, uri, { conn, callId, cseq, fromTag = 'caller1', toTag = '', via, extra = [], body = '', contentType = 'application/sdp' }) {
	const lines = [`${method} ${uri} SIP/2.0`,
		`Via: ${via || `SIP/2.0/TLS 127.0.0.1:${conn.localPort};branch=${branch()};rport`}`,
		`From: <sip:caller@127.0.0.1>;tag=${fromTag}`,
		`To: <${uri.replace(/;.*$/, '')}>${toTag ? `;tag=${toTag}` : ''}`,
		`Call-ID: ${callId}`, `CSeq: ${cseq} ${method === 'ACK' ? 'INVITE' : method}`, 'Max-Forwards: 70',
		...extra, ...(body ? [`Content-Type: ${contentType}`] : []), `Content-Length: ${Buffer.byteLength(body)}`];
	return lines.join('\r\n') + '\r\n\r\n' + body;
}

function options(conn, tlsPort, callId, via) {
	conn.send(request('OPTIONS', `sip:ping@127.0.0.1:${tlsPort};transport=tls`, { conn, callId, cseq: 1, via }));
	return conn.response('OPTIONS', 200);
}

async function rtpSocket() {
	const sock = dgram.createSocket('udp4');
	const peer = { sock, packets: 0, pts: new Set() };
	sock.on('message', (msg) => {
		if (msg.length < 12 || (msg[1] >= 192 && msg[1] <= 223)) return;   // RTCP
		peer.packets++;
		peer.pts.add(msg[1] & 0x7f);
	});
	await new Promise((r) => sock.bind(0, '127.0.0.1', r));
	peer.port = sock.address().port;
	peer.close = () => sock.close();
	return peer;
}

// INVITE -> 100/180/200 -> ACK. Returns what the in-dialog requests need.
async function call(conn, tlsPort, room, rtpPort) {
	const uri = `sip:${room}@127.0.0.1:${tlsPort};transport=tls`;
	const callId = `tls-${room}-${crypto.randomBytes(4).toString('hex')}`;
	const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
		`m=audio ${rtpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
		'a=sendrecv', ''].join('\r\n');
	const contact = `Contact: <sip:caller@127.0.0.1:${conn.localPort};transport=tls>`;
	const got = [conn.response('INVITE', 100), conn.response('INVITE', 180), conn.response('INVITE', 200)];
	conn.send(request('INVITE', uri, { conn, callId, cseq: 1, extra: [contact], body: sdp }));
	const [, ringing, ok] = await Promise.all(got);
	const toTag = /;tag=([^;>\s]+)/.exec(ok.h('To'))[1];
	conn.send(request('ACK', uri, { conn, callId, cseq: 1, toTag, extra: [contact] }));
	return { uri, callId, toTag, ringing, ok, contact };
}

// ---- tests -------------------------------------------------------------------

before(async () => {
	certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tls-'));
	[cert, key] = makeCert(certDir);
	server = await tlsServer();
	silent = net.connect(server.tlsPort, '127.0.0.1');
	silent.on('error', () => {});
	silentOpenedAt = Date.now();
	silentClosed = new Promise((r) => silent.on('close', () => r(Date.now())));
});

after(async () => {
	silent?.destroy();
	await server?.stop();
	fs.rmSync(certDir, { recursive: true, force: true });
});

test('OPTIONS over TLS -> 200 on the same connection, Via stamped with received and rport', async () => {
	const conn = await SipConn.open(server.tlsPort);
	try {
		const via = `SIP/2.0/TLS client.invalid:5099;branch=${branch()};rport`;
		const r = await options(conn, server.tlsPort, 'tls-options-1', via);
		const top = r.h('Via');
		assert.match(top, /^SIP\/2\.0\/TLS client\.invalid:5099;/);
		assert.match(top, /;received=127\.0\.0\.1/);
		assert.match(top, new RegExp(`;rport=${conn.localPort}(;|$)`));
		assert.match(r.h('Allow'), /INVITE/);
	} finally {
		conn.close();
	}
	assert.match(server.stderr, new RegExp(`SIP on 127\\.0\\.0\\.1:${server.sipPort} \\(UDP, TCP\\) and 127\\.0\\.0\\.1:${server.tlsPort} \\(TLS\\)`));
});

test('call over TLS: INVITE -> 100/180/200, ACK, RTP reaches the caller, BYE -> 200', async () => {
	const rtp = await rtpSocket();
	const conn = await SipConn.open(server.tlsPort);
	try {
		const c = await call(conn, server.tlsPort, 'tlsroom', rtp.port);
		assert.match(c.ok.h('Contact'), new RegExp(`^<sip:parley@127\\.0\\.0\\.1:${server.tlsPort};transport=tls>`));
		assert.match(c.ringing.h('Contact'), /;transport=tls>/);
		assert.match(c.ok.body, /^m=audio \d+ RTP\/AVP 0[ \r]/m);
		await waitFor(() => rtp.packets >= 25, { timeout: 5000, message: 'RTP from Parley' });
		const bye = conn.response('BYE', 200);
		conn.send(request('BYE', c.uri, { conn, callId: c.callId, cseq: 2, toTag: c.toTag, extra: [c.contact] }));
		await bye;
	} finally {
		conn.close();
		rtp.close();
	}
	assert.deepEqual([...rtp.pts], [0], 'PCMU');
	assert.ok(server.stderr.includes('room tlsroom, codec PCMU, TLS from 127.0.0.1'), 'call log names TLS');
	await waitFor(() => server.stderr.split('\n').some((l) => / ended: .*room tlsroom,.*caller hung up/.test(l)),
	{ message: 'call end log' });
});

test('garbage, plaintext SIP and bad framing on the TLS port close only their connections', async () => {
	const good = await SipConn.open(server.tlsPort);
	try {
		// Random bytes where a ClientHello belongs.
		const junk = net.connect(server.tlsPort, '127.0.0.1');
		junk.on('error', () => {});
		junk.on('connect', () => junk.write(crypto.randomBytes(3000)));
		const junkClosed = new Promise((r) => junk.on('close', r));
		// SIP in clear text on the TLS port.
		const plain = net.connect(server.tlsPort, '127.0.0.1');
		plain.on('error', () => {});
		plain.on('connect', () => plain.write(request('OPTIONS', `sip:x@127.0.0.1:${server.tlsPort}`,
			{ conn: { localPort: plain.localPort }, callId: 'plain-1', cseq: 1 })));
		const plainClosed = new Promise((r) => plain.on('close', r));
		// A good handshake, then a message that cannot be framed.
		const bad = await SipConn.open(server.tlsPort);
		bad.send('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: nope\r\n\r\n');
		// Meanwhile the good connection works.
		const r = await options(good, server.tlsPort, 'tls-options-during');
		assert.equal(r.status, 200);
		await Promise.all([junkClosed, plainClosed, bad.closed]);
		// And still works after the others were thrown out.
		const r2 = await options(good, server.tlsPort, 'tls-options-after');
		assert.equal(r2.status, 200);
	} finally {
		good.close();
	}
	server.assertAlive();
	const failed = server.stderr.split('\n').filter((l) => /TLS handshake with 127\.0\.0\.1:\d+ failed/.test(l));
	assert.ok(failed.length >= 2, `handshake failures logged: ${failed.length}`);
	assert.match(server.stderr, /TLS 127\.0\.0\.1:\d+ sent a message that cannot be framed; closing/);
	// A new connection after all that is served.
	const again = await SipConn.open(server.tlsPort);
	try {
		assert.equal((await options(again, server.tlsPort, 'tls-options-again')).status, 200);
	} finally {
		again.close();
	}
});

test('our BYE (at shutdown) goes to the caller over its TLS connection', async () => {
	const s2 = await tlsServer();
	const rtp = await rtpSocket();
	const conn = await SipConn.open(s2.tlsPort);
	const callerPort = conn.localPort;
	let bye;
	try {
		await call(conn, s2.tlsPort, 'byeroom', rtp.port);
		await waitFor(() => rtp.packets >= 5, { timeout: 5000, message: 'RTP from Parley' });
		const gotBye = conn.next((m) => m.method === 'BYE', 'BYE from Parley');
		const stopped = s2.stop();
		bye = await gotBye;
		conn.send(['SIP/2.0 200 OK', ...bye.headers.via.map((v) => `Via: ${v}`), `From: ${bye.h('From')}`,
			`To: ${bye.h('To')}`, `Call-ID: ${bye.h('Call-ID')}`, `CSeq: ${bye.h('CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n'));
		await stopped;
	} finally {
		conn.close();
		rtp.close();
	}
	assert.match(bye.start, new RegExp(`^BYE sip:caller@127\\.0\\.0\\.1:${callerPort};transport=tls SIP/2\\.0$`));
	assert.match(bye.h('Via'), new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${s2.tlsPort};branch=z9hG4bK`));
});

test('a certificate that cannot be read stops parley at start with a clear error', async () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-data-'));
	try {
		await assert.rejects(startServer({ dataDir, extraArgs: ['--sip-port', String(await freePort()),
			'--sip-tls-port', String(await freePort()), '--sip-tls-cert', path.join(certDir, 'missing.pem'),
			'--sip-tls-key', key] }),
		/exited before listening \(code [1-9]\d*[\s\S]*cannot read certificate .*missing\.pem: No such file or directory/);
	} finally {
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});

// Last, so the wait overlaps the tests above.
test(`a client that never starts the handshake is dropped after ${HANDSHAKE_TIMEOUT_S} s`, async () => {
	const closedAt = await Promise.race([silentClosed,
		new Promise((r) => setTimeout(r, (HANDSHAKE_TIMEOUT_S + 5) * 1000)).then(() => null)]);
	assert.ok(closedAt, 'the silent connection was closed');
	const secs = (closedAt - silentOpenedAt) / 1000;
	assert.ok(secs >= HANDSHAKE_TIMEOUT_S - 1, `closed after ${secs} s`);
	assert.match(server.stderr, new RegExp(`TLS handshake with 127\\.0\\.0\\.1:\\d+ not done after ${HANDSHAKE_TIMEOUT_S} s; closing`));
	server.assertAlive();
});
