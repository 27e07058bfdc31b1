// Protocol abuse over a raw WebSocket: every refused message gets the
// documented error code, the session goes on, the server keeps serving, and
// two browsers in the same room keep exchanging media throughout.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openParticipant, waitFor, waitReceivingFrom,
	saveArtifacts } from './lib/harness.mjs';
import { WsClient } from './lib/wsclient.mjs';
import { parseMediaSections } from '../../web/parley.js';

const ROOM = 'sig';
let server, browser, X, Y;
const clients = [];

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
	X = await openParticipant(browser, server, { room: ROOM, name: 'X' });
	Y = await openParticipant(browser, server, { room: ROOM, name: 'Y' });
	await waitReceivingFrom(X, [Y], { timeout: 25000 });
	await waitReceivingFrom(Y, [X], { timeout: 25000 });
});

after(async () => {
	for (const c of clients) c.close();
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

async function connect() {
	const c = await WsClient.connect(server.wsUrl);
	clients.push(c);
	return c;
}

async function guarded(tag, fn) {
	try {
		await fn();
	} catch (e) {
		await saveArtifacts(`signaling-${tag}`, [X, Y]);
		if (server) e.message += `\nserver stderr (tail):\n${server.stderr.slice(-3000)}`;
		throw e;
	}
}

// `ref` is "the type of the offending message, if known"; for an unknown
// type the server may leave it out, but if it is there it must be right.
async function expectUnknownType(c) {
	const e = await c.expectError('unknown_type');
	if (e.ref !== undefined) assert.equal(e.ref, 'frobnicate', 'unknown_type ref');
	return e;
}

// Closes this file's earlier sockets and waits until the browsers list only
// each other, so one test's leftovers cannot fail the next.
async function settle() {
	for (const c of clients.splice(0)) c.close();
	for (const [p, o] of [[X, Y], [Y, X]]) {
		await waitFor(() => p.page.evaluate((name) => {
			const t = window.parley.tiles();
			return t.length === 1 && t[0].name === name;
		}, o.name), { timeout: 8000, message: `${p.name} to show only ${o.name}` });
	}
}

// Joins and returns {joined, offer}.
async function join(c, name) {
	c.send({ type: 'join', room: ROOM, name });
	const joined = await c.next((m) => m.type === 'joined', { what: 'joined' });
	const offer = await c.next((m) => m.type === 'offer', { what: 'offer',
		skip: (m) => ['candidate', 'participant_joined', 'active_speaker', 'muted'].includes(m.type) });
	return { joined, offer };
}

test('malformed and out-of-order messages before join are refused; then join works', { timeout: 60000 },
	() => guarded('prejoin', async () => {
		const c = await connect();
		const badJson = ['{not json', '', '[1,2,3]', '"hello"', '42', 'null', 'true', '{"room":"x"}',
			'{"type":5}', '{"type":null}', '{"type":["join"]}'];
		for (const raw of badJson) {
			c.sendRaw(raw);
			await c.expectError('bad_json').catch((e) => { throw new Error(`frame ${JSON.stringify(raw)}: ${e.message}`); });
		}
		c.send({ type: 'frobnicate' });
		await expectUnknownType(c);
		for (const msg of [
			{ type: 'answer', sdp: 'v=0\r\n' },
			{ type: 'candidate', candidate: null },
			{ type: 'mute', kind: 'audio', muted: true },
			{ type: 'leave' },
		]) {
			c.send(msg);
			await c.expectError('out_of_order', msg.type).catch((e) => { throw new Error(`${JSON.stringify(msg)}: ${e.message}`); });
		}
		const badJoins = [
			{ type: 'join', room: 'bad room!', name: 'n' },
			{ type: 'join', room: '', name: 'n' },
			{ type: 'join', room: 'r'.repeat(65), name: 'n' },
			{ type: 'join', room: 42, name: 'n' },
			{ type: 'join', name: 'n' },
			{ type: 'join', room: ROOM, name: 'n'.repeat(65) },
			{ type: 'join', room: ROOM, name: 7 },
			{ type: 'join', room: ROOM, name: 'n', token: 5 },
		];
		for (const msg of badJoins) {
			c.send(msg);
			await c.expectError('bad_request', 'join').catch((e) => { throw new Error(`${JSON.stringify(msg)}: ${e.message}`); });
		}
		assert.equal(c.closed, null, 'socket still open after refused messages');
		assert.ok(!c.all.some((m) => m.type === 'bye'), 'no bye after refused messages');

		// Nothing above changed anything: the join goes through, and its offer
		// is what the protocol says.
		const { joined, offer } = await join(c, 'ws-1');
		assert.equal(joined.room, ROOM);
		assert.equal(typeof joined.id === 'string' || typeof joined.id === 'number', true, 'joined.id');
		const names = joined.participants.map((p) => p.name).sort();
		assert.deepEqual(names, ['X', 'Y'], 'joined lists the two browsers');
		for (const p of joined.participants) {
			assert.equal(p.audio_muted, false); assert.equal(p.video_muted, false);
		}
		const secs = parseMediaSections(offer.sdp);
		assert.ok(secs.length >= 6, `offer has 2 publishing + 4 forwarded m-sections (got ${secs.length})`);
		assert.deepEqual([secs[0].mid, secs[0].kind, secs[0].direction], ['0', 'audio', 'recvonly']);
		assert.deepEqual([secs[1].mid, secs[1].kind, secs[1].direction], ['1', 'video', 'recvonly']);
		const tracks = offer.tracks.map((t) => `${t.participant}/${t.kind}`).sort();
		assert.deepEqual(tracks, [`${X.id}/audio`, `${X.id}/video`, `${Y.id}/audio`, `${Y.id}/video`].sort(),
			'offer.tracks lists both browsers\' audio and video');
		for (const t of offer.tracks) {
			const s = secs.find((m) => m.mid === String(t.mid));
			assert.ok(s, `m-section for mid ${t.mid}`);
			assert.equal(s.direction, 'sendonly', `mid ${t.mid} is sendonly`);
			assert.equal(s.kind, t.kind, `mid ${t.mid} kind`);
			assert.equal(s.msid && s.msid.stream, String(t.participant), `mid ${t.mid} msid names the publisher`);
		}
		assert.ok(/^a=group:BUNDLE /m.test(offer.sdp), 'offer uses BUNDLE');
		assert.ok(/^a=rtcp-mux$/m.test(offer.sdp), 'offer uses rtcp-mux');

		// The browsers see the newcomer.
		for (const p of [X, Y]) {
			await waitFor(() => p.page.evaluate(() => window.parley.tiles().some((t) => t.name === 'ws-1')),
				{ timeout: 5000, message: `${p.name} to show ws-1` });
		}
		c.send({ type: 'leave' });
		const bye = await c.next((m) => m.type === 'bye', { what: 'bye',
			skip: (m) => m.type !== 'bye' && m.type !== 'error' });
		assert.equal(bye.reason, 'left');
		await c.waitClose();
		for (const p of [X, Y]) {
			await waitFor(() => p.page.evaluate(() => !window.parley.tiles().some((t) => t.name === 'ws-1')),
				{ timeout: 5000, message: `${p.name} to drop ws-1` });
		}
		server.assertAlive();
	}));

test('a join without a name is bad_request (name is not optional in the protocol)', { timeout: 20000 },
	() => guarded('noname', async () => {
		const c = await connect();
		c.send({ type: 'join', room: ROOM });
		await c.expectError('bad_request', 'join');
	}));

test('after join: second join, bad answers and bad mutes are refused; the session goes on', { timeout: 60000 },
	() => guarded('postjoin', async () => {
		await settle();
		const c = await connect();
		const { joined } = await join(c, 'ws-2');
		const id = String(joined.id);

		c.send({ type: 'join', room: ROOM, name: 'again' });
		await c.expectError('out_of_order', 'join');
		c.send({ type: 'join', room: 'other-room', name: 'elsewhere' });
		await c.expectError('out_of_order', 'join');

		c.send({ type: 'answer' });
		await c.expectError('bad_request', 'answer');
		c.send({ type: 'answer', sdp: 42 });
		await c.expectError('bad_request', 'answer');
		c.send({ type: 'answer', sdp: 'this is not sdp' });
		await c.expectError('bad_sdp', 'answer');
		// Parses, but does not match the offer (one m-section instead of six).
		c.send({ type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
			+ 'a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n'
			+ 'a=mid:0\r\na=inactive\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n' });
		await c.expectError('bad_sdp', 'answer');

		c.send({ type: 'mute', kind: 'screen', muted: true });
		await c.expectError('bad_request', 'mute');
		c.send({ type: 'mute', kind: 'audio', muted: 'yes' });
		await c.expectError('bad_request', 'mute');
		c.send({ type: 'mute', kind: 'audio' });
		await c.expectError('bad_request', 'mute');
		c.send({ type: 'candidate', candidate: 17 });
		await c.expectError('bad_request', 'candidate');
		c.send({ type: 'frobnicate' });
		await expectUnknownType(c);

		assert.equal(c.closed, null, 'socket still open');
		assert.ok(!c.all.some((m) => m.type === 'bye'), 'no bye');

		// The session still works: a valid mute reaches the browsers.
		c.send({ type: 'mute', kind: 'audio', muted: true });
		for (const p of [X, Y]) {
			await waitFor(() => p.page.evaluate((pid) => {
				const t = document.querySelector(`.tile.remote[data-participant-id="${CSS.escape(pid)}"]`);
				return t && t.dataset.audioMuted === 'true';
			}, id), { timeout: 5000, message: `${p.name} to show ws-2 muted` });
		}
		c.send({ type: 'leave' });
		await c.next((m) => m.type === 'bye', { what: 'bye', skip: (m) => m.type !== 'bye' && m.type !== 'error' });
		await c.waitClose();
		server.assertAlive();
	}));

test('a frame over 64 KiB gets too_large and the socket closes; 60 KiB is fine', { timeout: 30000 },
	() => guarded('large', async () => {
		await settle();
		const c = await connect();
		c.send({ type: 'frobnicate', pad: 'x'.repeat(60 * 1024) });
		await expectUnknownType(c);
		c.send({ type: 'frobnicate', pad: 'x'.repeat(70 * 1024) });
		await c.expectError('too_large');
		await c.waitClose(5000);

		const c2 = await connect();
		await join(c2, 'ws-3');
		c2.send({ type: 'mute', kind: 'video', muted: false, pad: 'y'.repeat(80 * 1024) });
		await c2.expectError('too_large');
		await c2.waitClose(5000);
		for (const p of [X, Y]) {
			await waitFor(() => p.page.evaluate(() => !window.parley.tiles().some((t) => t.name === 'ws-3')),
				{ timeout: 8000, message: `${p.name} to drop ws-3 after its socket closed` });
		}
		server.assertAlive();
	}));

test('the server keeps serving and the browsers in the room were unaffected', { timeout: 60000 },
	() => guarded('after', async () => {
		await settle();
		const c = await connect();
		const { joined, offer } = await join(c, 'ws-4');
		assert.deepEqual(joined.participants.map((p) => p.name).sort(), ['X', 'Y']);
		assert.equal(offer.tracks.length, 4);
		c.send({ type: 'leave' });
		await c.next((m) => m.type === 'bye', { what: 'bye', skip: (m) => m.type !== 'bye' });

		await waitReceivingFrom(X, [Y], { timeout: 10000 });
		await waitReceivingFrom(Y, [X], { timeout: 10000 });
		for (const p of [X, Y]) {
			const s = await p.page.evaluate(() => ({
				state: window.parley.state,
				conn: window.parley.room.connectionState,
				errors: window.parley.log.filter((e) => e.event === 'error' || e.event === 'bye'),
				offers: window.parley.room.offersHandled,
			}));
			assert.equal(s.state, 'joined', `${p.name} still joined`);
			assert.equal(s.conn, 'connected', `${p.name} still connected`);
			assert.deepEqual(s.errors, [], `${p.name} saw no error`);
		}
		server.assertAlive();
	}));
