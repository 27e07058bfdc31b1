// WHIP ingest (RFC 9725): a headless Chromium page publishes its fake camera
// and microphone with the `whip-whep` WHIPClient to /whip/ROOM; a browser in
// ROOM on the conference page sees a participant of kind "whip" join and
// decodes its video and audio; the client's stop() (DELETE) makes it leave.
// Also: the documented status codes for bad requests.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, waitFor, waitJoinedState, waitReceivingFrom, waitTilesPlaying,
	withArtifacts, E2E_DIR } from './lib/harness.mjs';

const ROOM = 'whip-e2e';
const CHROME_OFFER = fs.readFileSync(path.join(E2E_DIR, '../fixtures/sdp/whip_chrome_offer.sdp'), 'utf8');
const WHIP_JS = fs.readFileSync(path.join(E2E_DIR, 'node_modules/whip-whep/whip.js'), 'utf8');
// Served by page.route under the server's origin, so the client's fetches
// are same-origin; they never reach the server.
const PUBLISHER_PAGE = '/__e2e/whip-publisher.html';
const PUBLISHER_HTML = `<!doctype html><meta charset="utf-8"><title>WHIP publisher</title>
<script type="module">
import { WHIPClient } from '/__e2e/whip.js';
window.publish = async (url) => {
	const stream = await navigator.mediaDevices.getUserMedia({ audio: true,
		video: { width: 320, height: 240, frameRate: 15 } });
	const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
	for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
	const client = new WHIPClient();
	window.whip = { client, pc, states: [] };
	pc.addEventListener('connectionstatechange', () => window.whip.states.push(pc.connectionState));
	await client.publish(pc, url);
	return { resource: client.resourceURL.pathname, etag: client.etag };
};
window.ready = true;
</script>`;

let server, browser;
const all = [];
let B, W, whipId, resource, etag;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

const guarded = (tag, fn) => withArtifacts(`whip-${tag}`, server, all, fn);

// The conference page, with every signaling message it receives recorded in
// window.__wsIn (parley.js keeps no participant kinds).
async function openRecordingParticipant(name) {
	const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
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
	const q = new URLSearchParams({ room: ROOM, name, res: '160x120', fps: '15', autojoin: '1' });
	await page.goto(`${server.url}/?${q}`);
	const p = { page, context, name, logs };
	await waitJoinedState(p);
	return p;
}

async function openPublisher() {
	const context = await browser.newContext();
	await context.route(`${server.url}/__e2e/**`, (route) => {
		const url = new URL(route.request().url());
		if (url.pathname === PUBLISHER_PAGE)
			return route.fulfill({ status: 200, contentType: 'text/html', body: PUBLISHER_HTML });
		if (url.pathname === '/__e2e/whip.js')
			return route.fulfill({ status: 200, contentType: 'text/javascript', body: WHIP_JS });
		return route.fulfill({ status: 404, body: '' });
	});
	const page = await context.newPage();
	const logs = [];
	page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
	await page.goto(`${server.url}${PUBLISHER_PAGE}`);
	await page.waitForFunction(() => window.ready === true);
	return { page, context, name: 'WHIP', logs };
}

// Waits until page p has dropped participant id; returns the reason given.
async function waitLeft(p, id) {
	return waitFor(() => p.page.evaluate((pid) => {
		const left = window.parley.log.find((e) => e.event === 'participant_left' && e.id === pid);
		const tile = document.querySelector(`.tile.remote[data-participant-id="${CSS.escape(pid)}"]`);
		return left && !tile && !window.parley.room.participants.has(pid) ? left.reason : null;
	}, id), { timeout: 5000, message: `${p.name} to see ${id} leave` });
}

async function request(method, urlPath, { body, headers = {} } = {}) {
	const r = await fetch(`${server.url}${urlPath}`, { method, body, headers });
	const text = await r.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: r.status, headers: r.headers, text, json };
}

test('a WHIP publisher is seen and decoded by a browser in the room', { timeout: 90000 }, () => guarded('publish', async () => {
	B = await openRecordingParticipant('B'); all.push(B);
	W = await openPublisher(); all.push(W);
	const t0 = Date.now();
	({ resource, etag } = await W.page.evaluate((url) => window.publish(url), `${server.url}/whip/${ROOM}`));
	assert.match(resource, new RegExp(`^/whip/${ROOM}/w[0-9a-f]+$`), 'Location names the session');
	assert.match(etag, /^"[0-9a-f]+"$/, 'an ETag came with the answer');
	whipId = resource.split('/').pop();
	W.id = whipId;
	console.log(`# WHIP session ${resource} created in ${Date.now() - t0} ms`);

	await waitFor(() => W.page.evaluate(() => window.whip.pc.connectionState === 'connected'),
		{ timeout: 15000, message: 'the WHIP client to connect' });
	const joined = await waitFor(() => B.page.evaluate((id) => window.__wsIn.find((m) =>
		m.type === 'participant_joined' && m.participant && m.participant.id === id), whipId),
	{ timeout: 5000, message: 'B to hear of the WHIP participant' });
	assert.equal(joined.participant.kind, 'whip');
	assert.equal(joined.participant.name, 'WHIP');

	const who = { id: whipId, name: 'WHIP' };
	await waitReceivingFrom(B, [who], { timeout: 25000 });
	console.log(`# B decodes the WHIP publisher's video and plays its audio at +${Date.now() - t0} ms`);
	await waitTilesPlaying(B, [who]);
	// What the WHIP client trickled (PATCH) was taken: Chrome sends after the answer.
	const states = await W.page.evaluate(() => window.whip.states);
	assert.ok(!states.includes('failed'), `WHIP client states: ${states}`);
	server.assertAlive();
}));

test('trickle PATCHes: an ICE restart gets 422, a stale ETag 412', { timeout: 30000 }, () => guarded('patch', async () => {
	assert.ok(resource, 'the previous test published');
	const frag = 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n';
	const ct = { 'Content-Type': 'application/trickle-ice-sdpfrag' };
	let r = await request('PATCH', resource, { body: frag, headers: { ...ct, 'If-Match': '*' } });
	assert.equal(r.status, 422);
	assert.equal(r.json.error.code, 'ice_restart_unsupported');
	r = await request('PATCH', resource, { body: frag, headers: { ...ct, 'If-Match': '"stale"' } });
	assert.equal(r.status, 412);
	r = await request('PATCH', resource, { body: 'a=end-of-candidates\r\n', headers: { ...ct, 'If-Match': etag } });
	assert.equal(r.status, 204);
	// Still publishing after all that.
	await waitReceivingFrom(B, [{ id: whipId, name: 'WHIP' }], { timeout: 10000 });
}));

// stop() closes the PeerConnection (DTLS close_notify) before it sends
// DELETE, so the server usually ends the session first ("disconnected") and
// the DELETE finds nothing; either way the participant leaves.
test('the client stop() makes the WHIP participant leave', { timeout: 30000 }, () => guarded('stop', async () => {
	assert.ok(W && whipId, 'the first test published');
	await W.page.evaluate(() => window.whip.client.stop());
	const reason = await waitLeft(B, whipId);
	assert.ok(['whip_ended', 'disconnected'].includes(reason), `reason ${reason}`);
	const r = await request('DELETE', resource);
	assert.equal(r.status, 404, 'the session is gone');
	server.assertAlive();
}));

test('DELETE ends a WHIP session that is still connected', { timeout: 60000 }, () => guarded('delete', async () => {
	const W2 = await openPublisher(); all.push(W2);
	const res = await W2.page.evaluate((url) => window.publish(url), `${server.url}/whip/${ROOM}`);
	const id = res.resource.split('/').pop();
	await waitFor(() => W2.page.evaluate(() => window.whip.pc.connectionState === 'connected'),
		{ timeout: 15000, message: 'the second WHIP client to connect' });
	await waitReceivingFrom(B, [{ id, name: 'WHIP' }], { timeout: 25000 });
	const r = await request('DELETE', res.resource);
	assert.equal(r.status, 200);
	assert.equal(await waitLeft(B, id), 'whip_ended');
	await W2.context.close();
	server.assertAlive();
}));

test('bad WHIP requests get their documented codes', { timeout: 30000 }, () => guarded('errors', async () => {
	const sdp = { 'Content-Type': 'application/sdp' };
	let r = await request('POST', `/whip/${ROOM}`, { body: 'v=0', headers: { 'Content-Type': 'text/plain' } });
	assert.equal(r.status, 415);
	assert.equal(r.json.error.code, 'unsupported_media_type');
	r = await request('POST', `/whip/${ROOM}`, { body: 'garbage', headers: sdp });
	assert.equal(r.status, 400);
	assert.equal(r.json.error.code, 'bad_sdp');
	r = await request('POST', `/whip/${ROOM}`, { body: '', headers: sdp });
	assert.equal(r.status, 400);
	assert.equal(r.json.error.code, 'bad_sdp');
	// An audio offer in a codec Parley does not forward.
	const pcmu = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n'
		+ 'c=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n'
		+ 'a=fingerprint:sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:56:3B:FC:1E:6F:93:42:7E:CB:C8:FE:29\r\n'
		+ 'a=setup:actpass\r\na=sendonly\r\na=rtcp-mux\r\n';
	r = await request('POST', `/whip/${ROOM}`, { body: pcmu, headers: sdp });
	assert.equal(r.status, 400);
	assert.equal(r.json.error.code, 'bad_sdp');
	for (const bad of ['bad!room', 'a~b', '...']) {
		r = await request('POST', `/whip/${bad}`, { body: 'v=0', headers: sdp });
		assert.equal(r.status, 400, `room name ${bad}`);
		assert.equal(r.json.error.code, 'bad_request');
	}
	r = await request('PATCH', `/whip/${ROOM}/wnobody`, { body: 'a=end-of-candidates\r\n',
		headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' } });
	assert.equal(r.status, 404);
	assert.equal(r.json.error.code, 'not_found');
	r = await request('DELETE', `/whip/${ROOM}/wnobody`);
	assert.equal(r.status, 404);
	r = await request('GET', `/whip/${ROOM}`);
	assert.equal(r.status, 405);
	assert.equal(r.headers.get('allow'), 'OPTIONS, POST');
	r = await request('OPTIONS', `/whip/${ROOM}`);
	assert.equal(r.status, 204);
	assert.match(r.headers.get('access-control-allow-methods'), /POST/);
	// B saw none of these as participants, and still works.
	const joins = await B.page.evaluate(() => window.__wsIn.filter((m) => m.type === 'participant_joined').length);
	assert.equal(joins, 2, 'only the two real WHIP publishers joined');
	server.assertAlive();
}));

test('rooms that require a token, and full rooms', { timeout: 30000 }, () => guarded('auth', async () => {
	const json = { 'Content-Type': 'application/json' };
	const sdp = { 'Content-Type': 'application/sdp' };
	let r = await request('POST', '/api/v1/rooms', { headers: json,
		body: JSON.stringify({ name: 'whip-secure', require_token: true }) });
	assert.equal(r.status, 201, r.text);
	const token = async (claims) => {
		const t = await request('POST', '/api/v1/tokens', { headers: json,
			body: JSON.stringify({ room: 'whip-secure', identity: 'obs-1', ...claims }) });
		assert.equal(t.status, 201, t.text);
		return t.json.token;
	};
	r = await request('POST', '/whip/whip-secure', { body: CHROME_OFFER, headers: sdp });
	assert.equal(r.status, 401);
	assert.match(r.headers.get('www-authenticate'), /^Bearer/);
	r = await request('POST', '/whip/whip-secure', { body: CHROME_OFFER,
		headers: { ...sdp, Authorization: 'Bearer not.a.token' } });
	assert.equal(r.status, 401);
	assert.equal(r.json.error.code, 'invalid_token');
	const viewer = await token({ can_publish: false });
	r = await request('POST', '/whip/whip-secure', { body: CHROME_OFFER,
		headers: { ...sdp, Authorization: `Bearer ${viewer}` } });
	assert.equal(r.status, 403);
	const publisher = await token({ name: 'Studio' });
	r = await request('POST', '/whip/whip-secure', { body: CHROME_OFFER,
		headers: { ...sdp, Authorization: `Bearer ${publisher}` } });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.headers.get('content-type'), 'application/sdp');
	const where = r.headers.get('location');
	// The session is the token holder's: another request cannot end it.
	assert.equal((await request('DELETE', where)).status, 401);
	const listed = await request('GET', '/api/v1/rooms/whip-secure/participants');
	assert.equal(listed.status, 200, listed.text);
	assert.ok(JSON.stringify(listed.json).includes('Studio'), `participants: ${listed.text}`);
	assert.equal((await request('DELETE', where, { headers: { Authorization: `Bearer ${publisher}` } })).status, 200);

	r = await request('POST', '/api/v1/rooms', { headers: json,
		body: JSON.stringify({ name: 'whip-tiny', max_participants: 1 }) });
	assert.equal(r.status, 201, r.text);
	r = await request('POST', '/whip/whip-tiny', { body: CHROME_OFFER, headers: sdp });
	assert.equal(r.status, 201, r.text);
	const first = r.headers.get('location');
	r = await request('POST', '/whip/whip-tiny', { body: CHROME_OFFER, headers: sdp });
	assert.equal(r.status, 409);
	assert.equal(r.json.error.code, 'room_full');
	assert.equal((await request('DELETE', first)).status, 200);
	server.assertAlive();
}));
