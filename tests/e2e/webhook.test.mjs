// Webhooks, received by an HTTP server in this test: a browser's life in a
// room produces room_started, participant_joined, track_published ×2, ...,
// participant_left, room_ended in that order, each body matching
// docs/openapi.yaml (WebhookEvent), seq increasing by one, and
// X-Parley-Signature the HMAC-SHA256 of the raw body. A receiver that
// answers 500 gets the same body again after the back-off, and later events
// wait; one that never accepts an event sees it six times, then the next.
// PARLEY_WEBHOOK_BACKOFF_MS shortens the back-off to 50 ms units.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { startServer, launchBrowser, openParticipant, waitFor, withArtifacts } from './lib/harness.mjs';
import { Api, parseMetrics } from './lib/api.mjs';
import { validateSchema } from './lib/openapi.mjs';
import { WsClient } from './lib/wsclient.mjs';

const KEY = 'webhook-test-api-key';
const WEBHOOK_SECRET = 'webhook secret shared with the receiver';
const BACKOFF_MS = 50;

// An HTTP server that records every request. respond(entry, index) picks
// the status (default 200) and may delay the answer.
class Receiver {
	constructor() {
		this.requests = [];
		this.respond = () => ({ status: 200 });
	}

	start() {
		this.server = http.createServer((req, res) => {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				const raw = Buffer.concat(chunks);
				let json = null;
				try { json = JSON.parse(raw.toString('utf8')); } catch { /* recorded as null */ }
				const entry = { t: Date.now(), method: req.method, url: req.url, headers: req.headers, raw, json };
				const { status = 200, delayMs = 0 } = this.respond(entry, this.requests.length) || {};
				entry.status = status;
				this.requests.push(entry);
				setTimeout(() => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(status < 300 ? 'ok' : 'no'); }, delayMs);
			});
		});
		return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
			this.port = this.server.address().port;
			resolve();
		}));
	}

	get url() { return `http://127.0.0.1:${this.port}/hooks/parley`; }

	// Requests from index `from` on, once pred(list) holds.
	waitUntil(from, pred, what, timeout = 15000) {
		return waitFor(() => {
			const list = this.requests.slice(from);
			return pred(list) ? list : false;
		}, { timeout, interval: 25, message: `${what}; received: ${JSON.stringify(this.requests.slice(from).map((r) => [r.status, r.json && r.json.event]))}` });
	}

	close() {
		return new Promise((resolve) => { this.server.closeAllConnections?.(); this.server.close(() => resolve()); });
	}
}

const delivered = (list) => list.filter((r) => r.status >= 200 && r.status < 300);
const names = (list) => list.map((r) => r.json.event);

// Checks headers, signature and schema of one request.
function checkRequest(r) {
	assert.equal(r.method, 'POST');
	assert.equal(r.url, '/hooks/parley');
	assert.equal(r.headers['content-type'], 'application/json');
	const want = crypto.createHmac('sha256', WEBHOOK_SECRET).update(r.raw).digest('hex');
	assert.equal(r.headers['x-parley-signature'], `sha256=${want}`, 'signature over the raw body');
	assert.notEqual(r.headers['x-parley-signature'],
		`sha256=${crypto.createHmac('sha256', 'another secret').update(r.raw).digest('hex')}`);
	assert.ok(r.json, `the body is JSON: ${r.raw}`);
	assert.equal(r.headers['x-parley-event'], r.json.event);
	validateSchema('WebhookEvent', r.json);
}

// The seq numbers of delivered events go up by one each.
function checkSequence(list) {
	for (let i = 1; i < list.length; i++) {
		assert.equal(list[i].json.seq, list[i - 1].json.seq + 1, `seq after ${JSON.stringify(list[i - 1].json)}: ${JSON.stringify(list[i].json)}`);
		assert.ok(list[i].json.created_at >= list[i - 1].json.created_at, 'created_at does not go back');
	}
	assert.equal(new Set(list.map((r) => r.json.id)).size, list.length, 'ids are unique');
}

let receiver, server, api, browser;
let A;

before(async () => {
	receiver = new Receiver();
	await receiver.start();
	server = await startServer({
		extraArgs: ['--api-key', KEY, '--webhook-url', receiver.url, '--webhook-secret', WEBHOOK_SECRET],
		env: { PARLEY_WEBHOOK_BACKOFF_MS: String(BACKOFF_MS) },
	});
	api = new Api(server, { key: KEY });
	browser = await launchBrowser();
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
	if (receiver) await receiver.close();
});

const guarded = (tag, fn) => withArtifacts(`webhook-${tag}`, server, () => [A], fn);

async function webhookCounters() {
	const m = parseMetrics(await api.metricsText());
	const v = (n) => m[`parley_webhooks_${n}_total`][''];
	return { delivered: v('delivered'), failed: v('failed'), dropped: v('dropped'), retries: v('retries') };
}

async function rawJoin(room, name) {
	const c = await WsClient.connect(server.wsUrl);
	c.send({ type: 'join', room, name });
	const j = await c.next((m) => m.type === 'joined', { what: 'joined' });
	return { c, id: j.id };
}

test('a room\'s life arrives in order, signed, one event per seq', { timeout: 90000 }, () => guarded('order', async () => {
	const from = receiver.requests.length;
	await api.createRoom({ name: 'hooks' });
	A = await openParticipant(browser, server, { room: 'hooks', name: 'Alice' });
	await receiver.waitUntil(from, (l) => names(l).filter((n) => n === 'track_published').length === 2,
		'A\'s two track_published', 25000);
	const b = await rawJoin('hooks', 'Bob');
	await receiver.waitUntil(from, (l) => names(l).filter((n) => n === 'participant_joined').length === 2, 'B joined');
	assert.equal((await api.del(`/api/v1/rooms/hooks/participants/${b.id}`)).status, 204);
	await receiver.waitUntil(from, (l) => names(l).includes('participant_left'), 'B removed');
	b.c.close();
	await A.page.click('#leave-button');
	const list = await receiver.waitUntil(from, (l) => names(l).includes('room_ended'), 'room_ended');

	assert.deepEqual(names(list), ['room_started', 'participant_joined', 'track_published', 'track_published',
		'participant_joined', 'participant_left', 'track_unpublished', 'track_unpublished', 'participant_left',
		'room_ended']);
	assert.ok(list.every((r) => r.status === 200));
	list.forEach(checkRequest);
	checkSequence(list);
	if (from === 0) assert.equal(list[0].json.seq, 1, 'seq starts at 1');
	const ev = list.map((r) => r.json);
	assert.ok(ev.every((e) => e.room === 'hooks'));
	assert.deepEqual(ev[1].participant, { id: A.id, name: 'Alice', kind: 'browser', audio_muted: false, video_muted: false });
	assert.deepEqual(ev.slice(2, 4).map((e) => [e.participant_id, e.kind]).sort(), [[A.id, 'audio'], [A.id, 'video']]);
	assert.ok(ev.slice(2, 4).every((e) => e.track_id && e.codec), 'tracks carry an id and a codec');
	assert.equal(ev[4].participant.id, b.id);
	assert.deepEqual([ev[5].participant_id, ev[5].reason], [b.id, 'removed']);
	assert.deepEqual(ev.slice(6, 8).map((e) => e.track_id).sort(), ev.slice(2, 4).map((e) => e.track_id).sort(),
		'the same tracks are unpublished');
	assert.deepEqual([ev[8].participant_id, ev[8].reason], [A.id, 'left']);
	await A.context.close();
	A = null;
	// Creating and deleting a room through the API sends nothing by itself.
	await api.createRoom({ name: 'hooks-quiet' });
	await api.del('/api/v1/rooms/hooks-quiet');
	const c = await webhookCounters();
	assert.equal(c.failed + c.dropped, 0);
	assert.equal(receiver.requests.length, from + list.length, 'no other requests');
}));

test('a receiver answering 500 gets the same body again after the back-off; later events wait', { timeout: 30000 }, async () => {
	const from = receiver.requests.length;
	const before = await webhookCounters();
	let failures = 2;
	receiver.respond = () => ({ status: failures-- > 0 ? 500 : 200 });
	try {
		const c = await rawJoin('hooks-retry', 'Carol');
		c.c.send({ type: 'leave' });
		await c.c.next((m) => m.type === 'bye', { skip: () => true });
		const list = await receiver.waitUntil(from, (l) => names(l).includes('room_ended'), 'room_ended after the retries');
		assert.deepEqual(list.map((r) => [r.status, r.json.event]), [[500, 'room_started'], [500, 'room_started'],
			[200, 'room_started'], [200, 'participant_joined'], [200, 'participant_left'], [200, 'room_ended']]);
		list.forEach(checkRequest);
		assert.ok(list[1].raw.equals(list[0].raw) && list[2].raw.equals(list[0].raw), 'a retry sends the same bytes');
		assert.equal(list[2].headers['x-parley-signature'], list[0].headers['x-parley-signature']);
		const gaps = [list[1].t - list[0].t, list[2].t - list[1].t];
		assert.ok(gaps[0] >= BACKOFF_MS - 5 && gaps[1] >= 2 * BACKOFF_MS - 5, `back-off 1 then 2 units: ${gaps} ms`);
		console.log(`# retries came ${gaps.join(' and ')} ms apart (unit ${BACKOFF_MS} ms)`);
		checkSequence(delivered(list));
		const after = await webhookCounters();
		assert.deepEqual([after.retries - before.retries, after.delivered - before.delivered, after.failed - before.failed],
			[2, 4, 0]);
	} finally {
		receiver.respond = () => ({ status: 200 });
	}
});

test('an event refused six times is given up, counted, and the next one goes', { timeout: 30000 }, async () => {
	const from = receiver.requests.length;
	const before = await webhookCounters();
	receiver.respond = (e) => ({ status: e.json && e.json.event === 'room_started' ? 503 : 200 });
	try {
		const t0 = Date.now();
		const c = await rawJoin('hooks-fail', 'Dave');
		const list = await receiver.waitUntil(from, (l) => names(l).includes('participant_joined'), 'participant_joined after giving up');
		console.log(`# room_started given up and participant_joined delivered ${Date.now() - t0} ms after the join`);
		assert.deepEqual(names(list), [...Array(6).fill('room_started'), 'participant_joined']);
		list.forEach(checkRequest);
		assert.ok(list.slice(1, 6).every((r) => r.raw.equals(list[0].raw)), 'six attempts of one body');
		assert.equal(list[6].json.seq, list[0].json.seq + 1);
		await waitFor(async () => (await webhookCounters()).failed === before.failed + 1,
			{ timeout: 5000, message: 'the failed counter' });
		const after = await webhookCounters();
		assert.deepEqual([after.retries - before.retries, after.failed - before.failed], [5, 1]);
		c.c.close();
		await receiver.waitUntil(from, (l) => names(l).includes('room_ended'), 'room_ended');
	} finally {
		receiver.respond = () => ({ status: 200 });
	}
});

test('many events from many rooms at once, to a slow receiver, all arrive in seq order', { timeout: 60000 }, async () => {
	const from = receiver.requests.length;
	receiver.respond = () => ({ status: 200, delayMs: 5 });
	try {
		const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => rawJoin(`burst-${i % 3}`, `user${i}`)));
		for (const { c } of clients) c.close();
		// 3 rooms × (started + ended) + 8 × (joined + left)
		const list = await receiver.waitUntil(from, (l) => l.length >= 22, 'all 22 events', 30000);
		assert.equal(list.length, 22);
		list.forEach(checkRequest);
		checkSequence(list);
		for (const room of ['burst-0', 'burst-1', 'burst-2']) {
			const mine = list.filter((r) => r.json.room === room).map((r) => r.json.event);
			assert.equal(mine[0], 'room_started', room);
			assert.equal(mine[mine.length - 1], 'room_ended', room);
		}
		const c = await webhookCounters();
		assert.equal(c.dropped, 0);
	} finally {
		receiver.respond = () => ({ status: 200 });
	}
});
