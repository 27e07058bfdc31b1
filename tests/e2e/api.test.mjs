// The room API over real HTTP: every route, the API key, join tokens (and
// what a WebSocket join does with them), bad input of every kind, rooms
// surviving a restart, and the refusal to serve the API on a non-loopback
// address without a key. Every response is checked against
// docs/openapi.yaml (lib/openapi.mjs); the last test checks that every
// documented operation was driven.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitFor, freePort, PARLEY_BIN } from './lib/harness.mjs';
import { Api, rawRequest, forgeToken, decodeToken, verifyToken } from './lib/api.mjs';
import { seen, documentedOperations, documentedStatuses, lintSpec } from './lib/openapi.mjs';
import { WsClient } from './lib/wsclient.mjs';

const KEY = `k-${crypto.randomBytes(12).toString('hex')}`;
const SECRET = 'a token secret only these tests know';
const MAX_BODY = 262144;

let server, api;

before(async () => {
	server = await startServer({ extraArgs: ['--api-key', KEY, '--token-secret', SECRET] });
	api = new Api(server, { key: KEY });
});

after(async () => {
	if (server) await server.stop();
});

const nowS = () => Math.floor(Date.now() / 1000);

function expectError(r, status, code, what = '') {
	assert.equal(r.status, status, `${what} status (body ${r.text})`);
	assert.equal(r.json.error.code, code, `${what} error code (body ${r.text})`);
}

function without(obj, ...keys) {
	const o = { ...obj };
	for (const k of keys) delete o[k];
	return o;
}

// A concrete path for a documented template.
const concrete = (template) => template.replace('{name}', 'any-room').replace('{id}', 'p1');

// Opens a signaling socket and sends join; returns the client.
async function join(room, { name = 'raw', token, url = server.wsUrl } = {}) {
	const c = await WsClient.connect(url);
	sendJoin(c, room, { name, token });
	return c;
}

function sendJoin(c, room, { name = 'raw', token } = {}) {
	const msg = { type: 'join', room, name };
	if (token !== undefined) msg.token = token;
	c.send(msg);
}

const expectJoined = (c) => c.next((m) => m.type === 'joined', { what: 'joined' });

// The next message of this type, skipping anything else.
const nextOf = (c, type, pred = () => true, timeout = 5000) =>
	c.next((m) => m.type === type && pred(m), { skip: () => true, what: type, timeout });

// The direction attribute of the m-section with this mid.
function direction(sdp, mid) {
	const section = sdp.split(/\r?\nm=/).find((s) => new RegExp(`\\r?\\na=mid:${mid}(\\r?\\n|$)`).test(s));
	if (!section) return null;
	const m = /\r?\na=(sendrecv|sendonly|recvonly|inactive)(\r?\n|$)/.exec(section);
	return m ? m[1] : null;
}

// ---------------------------------------------------------------------------

test('docs/openapi.yaml is a consistent OpenAPI 3.1 document', () => {
	assert.deepEqual(lintSpec(), []);
});

test('the API and /metrics need the key; /healthz and the page do not', async () => {
	let r = await api.get('/api/v1/rooms', { key: false });
	expectError(r, 401, 'unauthorized', 'no key');
	assert.match(r.headers.get('www-authenticate') || '', /^Bearer realm="parley"$/);
	for (const bad of ['wrong', `${KEY}x`, KEY.slice(0, -1), ` ${KEY}`, KEY.toUpperCase()]) {
		r = await api.get('/api/v1/rooms', { key: bad });
		expectError(r, 401, 'unauthorized', `key ${JSON.stringify(bad)}`);
	}
	for (const authorization of [`Basic ${KEY}`, KEY, 'Bearer', `Bearer${KEY}`]) {
		r = await api.get('/api/v1/rooms', { key: false, headers: { authorization } });
		expectError(r, 401, 'unauthorized', `Authorization: ${authorization}`);
	}
	r = await api.get('/api/v1/rooms', { key: false, headers: { authorization: `bearer ${KEY}` } });
	assert.equal(r.status, 200, 'the scheme is case-insensitive');
	r = await api.get('/api/v1/rooms');
	assert.equal(r.status, 200);

	// The key is checked before routing and before the method.
	expectError(await api.get('/api/v1/no-such-thing', { key: false }), 401, 'unauthorized');
	expectError(await api.request('PUT', '/api/v1/rooms', { key: false }), 401, 'unauthorized');
	expectError(await api.post('/api/v1/tokens', { room: 'x', identity: 'y' }, { key: false }), 401, 'unauthorized');
	expectError(await api.get('/api/v1/no-such-thing'), 404, 'not_found');

	expectError(await api.get('/metrics', { key: false }), 401, 'unauthorized');
	r = await api.get('/metrics');
	assert.equal(r.status, 200);
	assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
	r = await api.request('HEAD', '/metrics');
	assert.equal(r.status, 200);
	assert.equal(r.text, '');
	r = await api.request('POST', '/metrics', { json: {} });
	expectError(r, 405, 'method_not_allowed');
	assert.equal(r.headers.get('allow'), 'GET, HEAD');

	r = await api.get('/healthz', { key: false });
	assert.deepEqual([r.status, r.json], [200, { status: 'ok' }]);
	r = await api.request('POST', '/healthz', { key: false });
	assert.equal(r.status, 200);
	r = await api.get('/', { key: false });
	assert.equal(r.status, 200);
	assert.match(r.text, /<html/i);
	expectError(await api.request('DELETE', '/', { key: false }), 405, 'method_not_allowed');
	expectError(await api.get('/api'), 404, 'not_found');
	expectError(await api.get('/api/v2/rooms'), 404, 'not_found');

	// Every documented API operation, without the key.
	for (const op of documentedOperations((t) => t.startsWith('/api/'))) {
		const [method, template] = op.split(' ');
		r = await api.request(method, concrete(template), { key: false, ...(['GET', 'DELETE'].includes(method) ? {} : { json: {} }) });
		expectError(r, 401, 'unauthorized', op);
		assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${op}: WWW-Authenticate`);
	}
});

test('rooms: create, read, list, change and delete', async () => {
	const t0 = nowS();
	let r = await api.post('/api/v1/rooms', { name: 'life' });
	assert.equal(r.status, 201);
	assert.equal(r.headers.get('location'), '/api/v1/rooms/life');
	assert.deepEqual(without(r.json, 'created_at'), { name: 'life', max_participants: 0, pin: null, sip_number: null,
		require_token: false, empty_timeout_s: 0, persistent: true, live: false, num_participants: 0 });
	assert.ok(Math.abs(r.json.created_at - t0) <= 5, `created_at ${r.json.created_at} is now (${t0})`);

	const full = { name: 'Life.2_x-Y', max_participants: 5, pin: '123456', sip_number: '+4930123456',
		require_token: true, empty_timeout_s: 3600 };
	r = await api.post('/api/v1/rooms', full);
	assert.equal(r.status, 201);
	assert.deepEqual(without(r.json, 'created_at'), { ...full, persistent: true, live: false, num_participants: 0 });
	const created = r.json;

	r = await api.get('/api/v1/rooms/Life.2_x-Y');
	assert.equal(r.status, 200);
	assert.deepEqual(r.json, { ...created, participants: [] });

	r = await api.get('/api/v1/rooms');
	const names = r.json.rooms.map((x) => x.name);
	assert.ok(names.includes('life') && names.includes('Life.2_x-Y'), `both listed: ${names}`);
	assert.deepEqual(names, [...names].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)), 'sorted by name');
	assert.deepEqual(r.json.rooms.find((x) => x.name === 'Life.2_x-Y'), created);

	// PATCH changes only what it names; null and "" clear pin and sip_number.
	r = await api.patch('/api/v1/rooms/Life.2_x-Y', { pin: null, max_participants: 7 });
	assert.equal(r.status, 200);
	assert.deepEqual(r.json, { ...created, pin: null, max_participants: 7, participants: [] });
	r = await api.patch('/api/v1/rooms/Life.2_x-Y', {});
	assert.deepEqual(r.json, { ...created, pin: null, max_participants: 7, participants: [] });
	r = await api.patch('/api/v1/rooms/Life.2_x-Y', { name: 'Life.2_x-Y', sip_number: '', require_token: false,
		empty_timeout_s: 0, pin: '0000' });
	assert.equal(r.status, 200);
	assert.deepEqual(r.json, { ...created, pin: '0000', sip_number: null, require_token: false, empty_timeout_s: 0,
		max_participants: 7, participants: [] });
	r = await api.get('/api/v1/rooms/Life.2_x-Y');
	assert.equal(r.json.pin, '0000');

	// max_participants 0 hands the limit back to the server.
	r = await api.patch('/api/v1/rooms/Life.2_x-Y', { max_participants: 0 });
	assert.equal(r.json.max_participants, 0);
	r = await api.patch('/api/v1/rooms/Life.2_x-Y', { max_participants: 7 });

	// A 64-character name is the longest; dots are fine beside other characters.
	assert.equal((await api.post('/api/v1/rooms', { name: '.a.' })).status, 201);
	assert.equal((await api.get('/api/v1/rooms/.a.')).status, 200);
	assert.equal((await api.del('/api/v1/rooms/.a.')).status, 204);
	const long = 'L'.repeat(64);
	assert.equal((await api.post('/api/v1/rooms', { name: long })).status, 201);
	assert.equal((await api.get(`/api/v1/rooms/${long}`)).status, 200);

	for (const name of ['life', 'Life.2_x-Y', long]) {
		assert.equal((await api.del(`/api/v1/rooms/${name}`)).status, 204, `delete ${name}`);
		expectError(await api.get(`/api/v1/rooms/${name}`), 404, 'not_found');
		expectError(await api.del(`/api/v1/rooms/${name}`), 404, 'not_found');
		expectError(await api.patch(`/api/v1/rooms/${name}`, { max_participants: 2 }), 404, 'not_found');
	}
	r = await api.get('/api/v1/rooms');
	assert.deepEqual(r.json.rooms.filter((x) => ['life', 'Life.2_x-Y', long].includes(x.name)), []);
});

test('conflicts: a name, a PIN or a SIP number leads to one room only', async () => {
	await api.createRoom({ name: 'dup' });
	expectError(await api.post('/api/v1/rooms', { name: 'dup' }), 409, 'conflict', 'same name');
	expectError(await api.post('/api/v1/rooms', { name: 'dup', max_participants: 3 }), 409, 'conflict', 'same name, other settings');

	await api.createRoom({ name: 'pin-a', pin: '4321' });
	let r = await api.post('/api/v1/rooms', { name: 'pin-b', pin: '4321' });
	expectError(r, 409, 'conflict', 'same PIN');
	assert.match(r.json.error.message, /pin/);
	await api.createRoom({ name: 'pin-b', pin: '43210' });
	expectError(await api.patch('/api/v1/rooms/pin-b', { pin: '4321' }), 409, 'conflict', 'PATCH to a taken PIN');
	assert.equal((await api.patch('/api/v1/rooms/pin-a', { pin: '4321' })).status, 200, 'a room keeps its own PIN');

	await api.createRoom({ name: 'sip-a', sip_number: '+15550001' });
	r = await api.post('/api/v1/rooms', { name: 'sip-b', sip_number: '+15550001' });
	expectError(r, 409, 'conflict', 'same SIP number');
	assert.match(r.json.error.message, /sip_number/);
	await api.createRoom({ name: 'sip-b', sip_number: '15550001' });
	expectError(await api.patch('/api/v1/rooms/sip-b', { sip_number: '+15550001' }), 409, 'conflict');
	// A refused change changed nothing.
	assert.equal((await api.get('/api/v1/rooms/sip-b')).json.sip_number, '15550001');

	// Twelve creates of one name at once: exactly one wins.
	const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
		api.post('/api/v1/rooms', { name: 'race', max_participants: i + 1 })));
	const statuses = results.map((x) => x.status).sort();
	assert.deepEqual(statuses, [201, ...Array(11).fill(409)]);
	const winner = results.find((x) => x.status === 201).json;
	assert.equal((await api.get('/api/v1/rooms/race')).json.max_participants, winner.max_participants);

	for (const name of ['dup', 'pin-a', 'pin-b', 'sip-a', 'sip-b', 'race'])
		assert.equal((await api.del(`/api/v1/rooms/${name}`)).status, 204);
});

// [what, body (string, Buffer or a value to JSON-encode), expected code]
const BAD_CREATE_BODIES = [
	['not JSON', '{', 'bad_json'],
	['empty', '', 'bad_json'],
	['trailing garbage', '{"name":"tg"} x', 'bad_json'],
	['an array', '[]', 'bad_json'],
	['a string', '"room"', 'bad_json'],
	['a number', '1', 'bad_json'],
	['null', 'null', 'bad_json'],
	['duplicate keys', '{"name":"d1","name":"d2"}', 'bad_json'],
	['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'bad_json'],
	['a NUL escape', '{"name":"a\\u0000b"}', 'bad_json'],
	['100000 nested arrays', '['.repeat(100000), 'bad_json'],
	['an integer past int64', '{"name":"big","max_participants":9223372036854775808}', 'bad_json'],
	['no name', {}, 'bad_request'],
	['name a number', { name: 5 }, 'bad_request'],
	['name null', { name: null }, 'bad_request'],
	['name empty', { name: '' }, 'bad_request'],
	['name with a space', { name: 'a b' }, 'bad_request'],
	['name with a slash', { name: 'a/b' }, 'bad_request'],
	['name not ASCII', { name: 'zürich' }, 'bad_request'],
	['name of 65 characters', { name: 'x'.repeat(65) }, 'bad_request'],
	['name an object', { name: { a: 1 } }, 'bad_request'],
	['name "."', { name: '.' }, 'bad_request'],
	['name ".."', { name: '..' }, 'bad_request'],
	['name "..."', { name: '...' }, 'bad_request'],
	['max_participants a string', { name: 'm', max_participants: '3' }, 'bad_request'],
	['max_participants fractional', { name: 'm', max_participants: 1.5 }, 'bad_request'],
	['max_participants negative', { name: 'm', max_participants: -1 }, 'bad_request'],
	['max_participants over the server cap', { name: 'm', max_participants: 33 }, 'bad_request'],
	['max_participants huge', { name: 'm', max_participants: 1e30 }, 'bad_request'],
	['max_participants a boolean', { name: 'm', max_participants: true }, 'bad_request'],
	['pin a number', { name: 'p', pin: 1234 }, 'bad_request'],
	['pin too short', { name: 'p', pin: '123' }, 'bad_request'],
	['pin too long', { name: 'p', pin: '12345678901234567' }, 'bad_request'],
	['pin not digits', { name: 'p', pin: '12a4' }, 'bad_request'],
	['pin with a space', { name: 'p', pin: ' 1234' }, 'bad_request'],
	['sip_number letters', { name: 's', sip_number: 'abc' }, 'bad_request'],
	['sip_number two pluses', { name: 's', sip_number: '++1' }, 'bad_request'],
	['sip_number only a plus', { name: 's', sip_number: '+' }, 'bad_request'],
	['sip_number of 32 digits', { name: 's', sip_number: '1'.repeat(32) }, 'bad_request'],
	['sip_number a number', { name: 's', sip_number: 5551234 }, 'bad_request'],
	['require_token a string', { name: 'r', require_token: 'true' }, 'bad_request'],
	['require_token 1', { name: 'r', require_token: 1 }, 'bad_request'],
	['require_token null', { name: 'r', require_token: null }, 'bad_request'],
	['empty_timeout_s negative', { name: 'e', empty_timeout_s: -1 }, 'bad_request'],
	['empty_timeout_s over a year', { name: 'e', empty_timeout_s: 31536001 }, 'bad_request'],
	['empty_timeout_s a string', { name: 'e', empty_timeout_s: '10' }, 'bad_request'],
	['an unknown field', { name: 'u', colour: 'red' }, 'bad_request'],
];

test('bad bodies get 400 with a JSON error, never a 5xx, and change nothing', async () => {
	const before = (await api.get('/api/v1/rooms')).json.rooms.map((x) => x.name);
	for (const [what, body, code] of BAD_CREATE_BODIES) {
		const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
		const r = await api.request('POST', '/api/v1/rooms', { body: raw, contentType: 'application/json' });
		expectError(r, 400, code, what);
		assert.ok(r.json.error.message.length > 0);
	}
	// The message says which field is wrong.
	let r = await api.post('/api/v1/rooms', { name: 'm', max_participants: '3' });
	assert.match(r.json.error.message, /max_participants/);
	r = await api.post('/api/v1/rooms', { name: 'u', colour: 'red' });
	assert.match(r.json.error.message, /colour/);

	// Content types.
	for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/xml']) {
		r = await api.request('POST', '/api/v1/rooms', { body: '{"name":"ct"}', contentType: ct });
		expectError(r, 415, 'unsupported_media_type', ct);
	}
	r = await api.request('POST', '/api/v1/rooms', { body: '{"name":"ct1"}', contentType: 'application/json; charset=utf-8' });
	assert.equal(r.status, 201, 'a charset parameter is fine');
	r = await api.request('POST', '/api/v1/rooms', { body: '{"name":"ct2"}', contentType: 'Application/JSON' });
	assert.equal(r.status, 201, 'the media type is case-insensitive');
	r = await api.request('POST', '/api/v1/rooms', { body: '{"name":"ct3"}' });
	assert.equal(r.status, 201, 'no Content-Type is read as JSON');

	// PATCH checks the same way; a bad body for an unknown room is 400.
	await api.createRoom({ name: 'patchme', pin: '2468' });
	for (const [what, body, code] of [
		['rename', { name: 'other' }, 'bad_request'],
		['bad pin', { pin: 'x' }, 'bad_request'],
		['unknown field', { topic: 'x' }, 'bad_request'],
		['wrong type', { require_token: 'no' }, 'bad_request'],
		['not JSON', 'nonsense', 'bad_json'],
		['an array', [], 'bad_json'],
	]) {
		const raw = typeof body === 'string' ? body : JSON.stringify(body);
		expectError(await api.request('PATCH', '/api/v1/rooms/patchme', { body: raw, contentType: 'application/json' }),
			400, code, `PATCH ${what}`);
	}
	// JSON syntax is checked before the room, the fields after it.
	expectError(await api.request('PATCH', '/api/v1/rooms/no-such-room', { body: '{', contentType: 'application/json' }),
		400, 'bad_json');
	expectError(await api.patch('/api/v1/rooms/no-such-room', { pin: 'x' }), 404, 'not_found');
	expectError(await api.request('PATCH', '/api/v1/rooms/patchme', { body: '{}', contentType: 'text/plain' }),
		415, 'unsupported_media_type');
	r = await api.get('/api/v1/rooms/patchme');
	assert.equal(r.json.pin, '2468', 'refused PATCHes changed nothing');

	// Mute bodies.
	for (const [what, body, code] of [
		['empty object', {}, 'bad_request'],
		['audio a string', { audio: 'yes' }, 'bad_request'],
		['video null', { video: null }, 'bad_request'],
		['unknown field', { audio: true, screen: true }, 'bad_request'],
		['an array', [true], 'bad_json'],
		['not JSON', 'mute!', 'bad_json'],
	]) {
		const raw = typeof body === 'string' ? body : JSON.stringify(body);
		expectError(await api.request('POST', '/api/v1/rooms/patchme/participants/p1/mute',
			{ body: raw, contentType: 'application/json' }), 400, code, `mute ${what}`);
	}
	expectError(await api.request('POST', '/api/v1/rooms/patchme/participants/p1/mute',
		{ body: '{"audio":true}', contentType: 'text/plain' }), 415, 'unsupported_media_type');

	const after = (await api.get('/api/v1/rooms')).json.rooms.map((x) => x.name).sort();
	assert.deepEqual(after, [...before, 'ct1', 'ct2', 'ct3', 'patchme'].sort(), 'only the good creates made rooms');
	for (const name of ['ct1', 'ct2', 'ct3', 'patchme'])
		assert.equal((await api.del(`/api/v1/rooms/${name}`)).status, 204);
	assert.equal((await api.get('/healthz')).status, 200);
});

test('bodies over 256 KiB get 413, declared or chunked, with or without the key', async () => {
	const path = '/api/v1/rooms';
	const json = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
	const check = (r, what) => {
		assert.ok(!r.error, `${what}: the server answered (${r.error && r.error.message})`);
		assert.ok(!r.contractError, `${what}: ${r.contractError && r.contractError.message}`);
		assert.equal(r.status, 413, `${what}: ${r.text}`);
		assert.equal(r.json.error.code, 'too_large');
	};

	// Exactly the limit is read; one byte more is not.
	const atLimit = Buffer.alloc(MAX_BODY, 0x20);
	atLimit.write('{"name":"at-limit"}');
	let r = await rawRequest(server.url, { path, headers: { ...json, 'content-length': MAX_BODY }, chunks: [atLimit] });
	assert.equal(r.status, 201, `a body of exactly ${MAX_BODY} bytes: ${r.text}`);
	const over = Buffer.alloc(MAX_BODY + 1, 0x20);
	over.write('{"name":"over-limit"}');
	check(await rawRequest(server.url, { path, headers: { ...json, 'content-length': over.length }, chunks: [over] }),
		'declared, one byte over');

	// A huge declared length is refused before the body is read.
	check(await rawRequest(server.url, { path, headers: { ...json, 'content-length': 1e12 }, chunks: [Buffer.alloc(1000)],
		end: false }), 'declared 1 TB');
	// Chunked: read and thrown away, then refused.
	const mb = Buffer.alloc(64 * 1024, 0x61);
	check(await rawRequest(server.url, { path, headers: { ...json, 'transfer-encoding': 'chunked' },
		chunks: Array(16).fill(mb) }), 'chunked 1 MiB');
	// Before the key is looked at, and on any route.
	check(await rawRequest(server.url, { path, headers: { 'transfer-encoding': 'chunked' }, chunks: Array(5).fill(mb) }),
		'chunked, no key');
	check(await rawRequest(server.url, { path: '/api/v1/tokens', headers: { ...json, 'content-length': over.length },
		chunks: [over] }), 'tokens');
	check(await rawRequest(server.url, { path: '/api/v1/rooms/at-limit/participants/x/mute',
		headers: { ...json, 'content-length': over.length }, chunks: [over] }), 'mute');

	// Every documented operation (GET included: the body is refused, whatever the method).
	for (const op of documentedOperations((t) => !t.startsWith('/whip'))) {
		const [method, template] = op.split(' ');
		check(await rawRequest(server.url, { method, path: concrete(template),
			headers: { ...json, 'content-length': over.length }, chunks: [over] }), op);
	}

	assert.equal((await api.get('/api/v1/rooms/over-limit')).status, 404);
	assert.equal((await api.del('/api/v1/rooms/at-limit')).status, 204);
	assert.equal((await api.get('/healthz')).status, 200, 'still serving');
});

test('unknown rooms, participants and routes are 404; wrong methods 405 with Allow', async () => {
	for (const [method, p, json] of [
		['GET', '/api/v1/rooms/nope'],
		['PATCH', '/api/v1/rooms/nope', {}],
		['DELETE', '/api/v1/rooms/nope'],
		['GET', '/api/v1/rooms/nope/participants'],
		['GET', '/api/v1/rooms/nope/participants/p1'],
		['DELETE', '/api/v1/rooms/nope/participants/p1'],
		['POST', '/api/v1/rooms/nope/participants/p1/mute', { audio: true }],
		['GET', '/api/v1/rooms/a%20b'],
		['GET', `/api/v1/rooms/${'x'.repeat(65)}`],
		['GET', '/api/v1/rooms/%2e%2e'],
		['GET', '/api/v1/rooms/x/whatever'],
		['GET', '/api/v1/rooms/x/participants/y/mute/z'],
		['GET', '/api/v1/rooms/x/participants/y/z/w/v'],
		['GET', '/api/v1/tokens/x'],
		['GET', '/api/v1'],
		['GET', '/api/v1/'],
		['GET', '/api/v1/participants'],
	]) {
		const r = await api.request(method, p, json !== undefined ? { json } : {});
		expectError(r, 404, 'not_found', `${method} ${p}`);
	}
	// A known room without that participant.
	await api.createRoom({ name: 'empty-room' });
	let r = await api.get('/api/v1/rooms/empty-room/participants');
	assert.deepEqual([r.status, r.json], [200, { participants: [] }]);
	expectError(await api.get('/api/v1/rooms/empty-room/participants/p1'), 404, 'not_found');
	expectError(await api.del('/api/v1/rooms/empty-room/participants/p1'), 404, 'not_found');
	expectError(await api.post('/api/v1/rooms/empty-room/participants/p1/mute', { video: true }), 404, 'not_found');

	for (const [method, p, allow] of [
		['PUT', '/api/v1/rooms', 'GET, POST'],
		['DELETE', '/api/v1/rooms', 'GET, POST'],
		['POST', '/api/v1/rooms/empty-room', 'GET, PATCH, DELETE'],
		['PUT', '/api/v1/rooms/nope', 'GET, PATCH, DELETE'],
		['POST', '/api/v1/rooms/empty-room/participants', 'GET'],
		['DELETE', '/api/v1/rooms/empty-room/participants', 'GET'],
		['POST', '/api/v1/rooms/empty-room/participants/p1', 'GET, DELETE'],
		['GET', '/api/v1/rooms/empty-room/participants/p1/mute', 'POST'],
		['GET', '/api/v1/tokens', 'POST'],
		['DELETE', '/metrics', 'GET, HEAD'],
	]) {
		r = await api.request(method, p);
		expectError(r, 405, 'method_not_allowed', `${method} ${p}`);
		assert.equal(r.headers.get('allow'), allow, `Allow of ${p}`);
	}
	assert.equal((await api.del('/api/v1/rooms/empty-room')).status, 204);
});

test('tokens: signed HS256 with the server secret, with the asked claims; bad requests are 400', async () => {
	const t0 = nowS();
	let r = await api.post('/api/v1/tokens', { room: 'tok', identity: 'alice', name: 'Alice A.', ttl_s: 120,
		can_publish: false });
	assert.equal(r.status, 201);
	const { token } = r.json;
	assert.ok(verifyToken(token, SECRET), 'HMAC-SHA256 under --token-secret');
	const { header, claims } = decodeToken(token);
	assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
	assert.ok(Math.abs(claims.iat - t0) <= 5);
	assert.deepEqual(claims, { iss: 'parley', sub: 'alice', room: 'tok', name: 'Alice A.', iat: claims.iat,
		nbf: claims.iat, exp: claims.iat + 120, grants: { publish: false, subscribe: true } });
	assert.deepEqual(r.json, { token, room: 'tok', identity: 'alice', expires_at: claims.exp });

	r = await api.post('/api/v1/tokens', { room: 'tok', identity: 'bob' });
	const d = decodeToken(r.json.token).claims;
	assert.equal(d.exp - d.iat, 3600, 'default ttl');
	assert.deepEqual(d.grants, { publish: true, subscribe: true });
	assert.equal('name' in d, false);
	r = await api.post('/api/v1/tokens', { room: 'tok', identity: 'i'.repeat(64), ttl_s: 604800, can_subscribe: false });
	assert.equal(r.status, 201, 'longest identity, longest ttl');
	assert.deepEqual(decodeToken(r.json.token).claims.grants, { publish: true, subscribe: false });
	r = await api.post('/api/v1/tokens', { room: 'tok', identity: 'zoë', name: 'Zoë 🎧' });
	assert.equal(r.status, 201, 'UTF-8 identity and name');
	assert.equal(decodeToken(r.json.token).claims.name, 'Zoë 🎧');

	for (const [what, body, code = 'bad_request'] of [
		['empty', {}],
		['no identity', { room: 'tok' }],
		['no room', { identity: 'a' }],
		['room with a space', { room: 'a b', identity: 'a' }],
		['room empty', { room: '', identity: 'a' }],
		['room of 65', { room: 'r'.repeat(65), identity: 'a' }],
		['room a number', { room: 7, identity: 'a' }],
		['identity empty', { room: 'tok', identity: '' }],
		['identity of 65 bytes', { room: 'tok', identity: 'i'.repeat(65) }],
		['identity null', { room: 'tok', identity: null }],
		['name a number', { room: 'tok', identity: 'a', name: 5 }],
		['name empty', { room: 'tok', identity: 'a', name: '' }],
		['ttl_s 0', { room: 'tok', identity: 'a', ttl_s: 0 }],
		['ttl_s over a week', { room: 'tok', identity: 'a', ttl_s: 604801 }],
		['ttl_s a string', { room: 'tok', identity: 'a', ttl_s: '60' }],
		['ttl_s fractional', { room: 'tok', identity: 'a', ttl_s: 1.5 }],
		['can_publish a string', { room: 'tok', identity: 'a', can_publish: 'no' }],
		['can_subscribe 0', { room: 'tok', identity: 'a', can_subscribe: 0 }],
		['unknown field', { room: 'tok', identity: 'a', admin: true }],
		['not JSON', 'token please', 'bad_json'],
		['an array', [], 'bad_json'],
	]) {
		const raw = typeof body === 'string' ? body : JSON.stringify(body);
		expectError(await api.request('POST', '/api/v1/tokens', { body: raw, contentType: 'application/json' }),
			400, code, what);
	}
	expectError(await api.request('POST', '/api/v1/tokens', { body: '{"room":"tok","identity":"a"}', contentType: 'text/plain' }),
		415, 'unsupported_media_type');
});

test('a require_token room refuses joins without a valid token for it; the session can retry', async () => {
	await api.createRoom({ name: 'vip', require_token: true });
	const now = nowS();
	const claims = { iss: 'parley', sub: 'bob', room: 'vip', name: 'Bob', iat: now, nbf: now, exp: now + 600,
		grants: { publish: true, subscribe: true } };
	const good = await api.token({ room: 'vip', identity: 'bob', name: 'Bob' });
	const [gh, gp] = good.split('.');
	const otherRoom = await api.token({ room: 'not-vip', identity: 'bob' });
	const refusals = [
		['no token', undefined, /needs a join token/],
		['token null', null, /needs a join token/],
		['garbage', 'garbage', /malformed/],
		['two parts', `${gh}.${gp}`, /malformed/],
		['expired', forgeToken({ claims: { ...claims, exp: now - 120 }, secret: SECRET }), /expired/],
		['not yet valid', forgeToken({ claims: { ...claims, nbf: now + 300 }, secret: SECRET }), /not yet valid/],
		['signed with another secret', forgeToken({ claims, secret: 'guess' }), /signature/],
		['payload swapped under a real signature', `${gh}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${good.split('.')[2]}`, /signature/],
		['signature cut short', good.slice(0, -2), /signature|malformed/],
		['alg none', forgeToken({ header: { alg: 'none', typ: 'JWT' }, claims, signature: '' }), /algorithm/],
		['alg none, HMAC signature', forgeToken({ header: { alg: 'none' }, claims, secret: SECRET }), /algorithm/],
		['alg HS512', forgeToken({ header: { alg: 'HS512', typ: 'JWT' }, claims, secret: SECRET }), /algorithm/],
		['no alg', forgeToken({ header: { typ: 'JWT' }, claims, secret: SECRET }), /algorithm/],
		['no subject', forgeToken({ claims: without(claims, 'sub'), secret: SECRET }), /malformed/],
		['exp a string', forgeToken({ claims: { ...claims, exp: String(now + 600) }, secret: SECRET }), /malformed/],
		['grants not booleans', forgeToken({ claims: { ...claims, grants: { publish: 'yes' } }, secret: SECRET }), /malformed/],
		['a token for another room', otherRoom, /another room/],
		['over 4 KiB', forgeToken({ claims: { ...claims, pad: 'x'.repeat(5000) }, secret: SECRET }), /malformed/],
	];
	const c = await WsClient.connect(server.wsUrl);
	try {
		for (const [what, token] of refusals) {
			sendJoin(c, 'vip', { name: 'Bob', token });
			const e = await c.expectError('unauthorized', 'join').catch((err) => { err.message = `${what}: ${err.message}`; throw err; });
			const want = refusals.find((x) => x[0] === what)[2];
			assert.match(e.message, want, `${what}: message ${JSON.stringify(e.message)}`);
		}
		sendJoin(c, 'vip', { name: 'Bob', token: 5 });
		await c.expectError('bad_request', 'join');
		// Nobody got in.
		assert.equal((await api.get('/api/v1/rooms/vip')).json.num_participants, 0);
		// The same socket now joins with the real token.
		sendJoin(c, 'vip', { name: 'ignored', token: good });
		const j = await expectJoined(c);
		const [p] = await api.participants('vip');
		assert.equal(p.id, j.id);
		assert.equal(p.identity, 'bob');
		assert.equal(p.name, 'Bob', 'the token\'s name wins');
	} finally {
		c.close();
	}
	// 30 s of leeway on exp: a token expired 5 s ago still joins.
	const lenient = await join('vip', { token: forgeToken({ claims: { ...claims, sub: 'late', exp: now - 5 }, secret: SECRET }) });
	try {
		await expectJoined(lenient);
	} finally {
		lenient.close();
	}
	await waitFor(async () => (await api.get('/api/v1/rooms/vip')).json.num_participants === 0,
		{ timeout: 5000, message: 'vip to empty' });
	assert.equal((await api.del('/api/v1/rooms/vip')).status, 204);
});

test('elsewhere a token is optional, but a given one must be valid; its grants shape the offer', async () => {
	const plain = await join('open-room', { name: 'anon' });
	const c2 = await WsClient.connect(server.wsUrl);
	const c3 = await WsClient.connect(server.wsUrl);
	try {
		const j = await expectJoined(plain);
		const offer = await nextOf(plain, 'offer');
		assert.equal(direction(offer.sdp, '0'), 'recvonly', 'publishing audio section');
		assert.equal(direction(offer.sdp, '1'), 'recvonly', 'publishing video section');

		sendJoin(c2, 'open-room', { token: forgeToken({ claims: { sub: 'x', room: 'open-room', exp: nowS() + 60 }, secret: 'nope' }) });
		await c2.expectError('unauthorized', 'join');
		sendJoin(c2, 'open-room', { token: await api.token({ room: 'elsewhere', identity: 'x' }) });
		await c2.expectError('unauthorized', 'join');

		// can_publish false: mids 0 and 1 are offered inactive.
		const listener = await api.token({ room: 'open-room', identity: 'listener-1', name: 'Listener', can_publish: false,
			can_subscribe: false });
		sendJoin(c3, 'open-room', { name: 'whatever', token: listener });
		const j3 = await expectJoined(c3);
		const offer3 = await nextOf(c3, 'offer');
		assert.equal(direction(offer3.sdp, '0'), 'inactive', 'no audio to publish');
		assert.equal(direction(offer3.sdp, '1'), 'inactive', 'no video to publish');

		const people = await api.participants('open-room');
		const byId = Object.fromEntries(people.map((p) => [p.id, p]));
		assert.deepEqual(without(byId[j.id], 'joined_at'), { id: j.id, name: 'anon', identity: '', kind: 'browser',
			can_publish: true, can_subscribe: true, tracks: [], rtt_ms: null, connected: false,
			server_muted: { audio: false, video: false } });
		assert.deepEqual(without(byId[j3.id], 'joined_at'), { id: j3.id, name: 'Listener', identity: 'listener-1',
			kind: 'browser', can_publish: false, can_subscribe: false, tracks: [], rtt_ms: null, connected: false,
			server_muted: { audio: false, video: false } });
		assert.ok(Math.abs(byId[j.id].joined_at - Date.now()) < 10000, 'joined_at is Unix ms');
		const room = (await api.get('/api/v1/rooms/open-room')).json;
		assert.deepEqual([room.persistent, room.live, room.num_participants], [false, true, 2], 'a transient room');
		expectError(await api.patch('/api/v1/rooms/open-room', { pin: '1111' }), 404, 'not_found', 'transient rooms cannot be changed');
	} finally {
		for (const c of [plain, c2, c3]) c.close();
	}
	await waitFor(async () => (await api.get('/api/v1/rooms/open-room')).status === 404,
		{ timeout: 5000, message: 'the transient room to go once empty' });
});

test('participants: list, get, mute and unmute, remove; deleting a room ends it for everyone', async () => {
	await api.createRoom({ name: 'people' });
	const a = await join('people', { name: 'Raw A' });
	const b = await join('people', { name: 'Raw B' });
	try {
		const ja = await expectJoined(a);
		const jb = await expectJoined(b);
		let r = await api.get('/api/v1/rooms/people');
		assert.deepEqual([r.json.live, r.json.num_participants, r.json.participants.length], [true, 2, 2]);
		r = await api.get(`/api/v1/rooms/people/participants/${ja.id}`);
		assert.equal(r.status, 200);
		assert.equal(r.json.name, 'Raw A');
		const listed = (await api.get('/api/v1/rooms')).json.rooms.find((x) => x.name === 'people');
		assert.deepEqual([listed.live, listed.num_participants], [true, 2]);

		// Server mute: A and B are both told, by "server".
		r = await api.post(`/api/v1/rooms/people/participants/${ja.id}/mute`, { audio: true });
		assert.deepEqual([r.status, r.json], [200, { id: ja.id, audio: true, video: false }]);
		const told = { type: 'muted', id: ja.id, kind: 'audio', muted: true, by: 'server' };
		assert.deepEqual(await nextOf(a, 'muted'), told);
		assert.deepEqual(await nextOf(b, 'muted'), told);
		r = await api.post(`/api/v1/rooms/people/participants/${ja.id}/mute`, { video: true, audio: false });
		assert.deepEqual(r.json, { id: ja.id, audio: false, video: true });
		const seenByB = [await nextOf(b, 'muted'), await nextOf(b, 'muted')];
		assert.deepEqual(seenByB.sort((x, y) => x.kind.localeCompare(y.kind)), [
			{ type: 'muted', id: ja.id, kind: 'audio', muted: false, by: 'server' },
			{ type: 'muted', id: ja.id, kind: 'video', muted: true, by: 'server' }]);
		r = await api.get(`/api/v1/rooms/people/participants/${ja.id}`);
		assert.deepEqual(r.json.server_muted, { audio: false, video: true });

		// A unmuting itself does not lift the server's mute for the others.
		a.send({ type: 'mute', kind: 'video', muted: false });
		assert.deepEqual(await nextOf(b, 'muted', (m) => m.by === 'participant'),
			{ type: 'muted', id: ja.id, kind: 'video', muted: true, by: 'participant' });
		r = await api.post(`/api/v1/rooms/people/participants/${ja.id}/mute`, { video: false });
		assert.deepEqual(r.json, { id: ja.id, audio: false, video: false });
		assert.deepEqual(await nextOf(b, 'muted', (m) => m.by === 'server' && m.kind === 'video'),
			{ type: 'muted', id: ja.id, kind: 'video', muted: false, by: 'server' });

		// Remove A: A is told why and disconnected; B sees it leave.
		r = await api.del(`/api/v1/rooms/people/participants/${ja.id}`);
		assert.equal(r.status, 204);
		assert.deepEqual(await nextOf(a, 'bye'), { type: 'bye', reason: 'removed' });
		await a.waitClose();
		assert.deepEqual(await nextOf(b, 'participant_left'), { type: 'participant_left', id: ja.id, reason: 'removed' });
		expectError(await api.get(`/api/v1/rooms/people/participants/${ja.id}`), 404, 'not_found');
		expectError(await api.del(`/api/v1/rooms/people/participants/${ja.id}`), 404, 'not_found');
		expectError(await api.post(`/api/v1/rooms/people/participants/${ja.id}/mute`, { audio: true }), 404, 'not_found');
		await waitFor(async () => (await api.get('/api/v1/rooms/people')).json.num_participants === 1,
			{ timeout: 5000, message: 'the count to drop to 1' });
		assert.deepEqual((await api.participants('people')).map((p) => p.id), [jb.id]);

		// Delete the room with B inside.
		assert.equal((await api.del('/api/v1/rooms/people')).status, 204);
		assert.deepEqual(await nextOf(b, 'bye'), { type: 'bye', reason: 'room_deleted' });
		await b.waitClose();
		expectError(await api.get('/api/v1/rooms/people'), 404, 'not_found');
		expectError(await api.get('/api/v1/rooms/people/participants'), 404, 'not_found');
	} finally {
		a.close();
		b.close();
	}
});

// Holds SQLite's write lock on file from another process until release().
async function lockDatabase(file) {
	const p = spawn(SQLITE3, [file], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	p.stdout.on('data', (d) => { out += d; });
	p.stderr.on('data', (d) => { out += d; });
	const exited = new Promise((r) => p.on('exit', r));
	p.stdin.write("PRAGMA busy_timeout = 5000;\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
	await waitFor(() => out.includes('locked'), { timeout: 5000, interval: 20, message: `sqlite3 to lock ${file}: ${out}` });
	return { async release() { p.stdin.end('COMMIT;\n'); await exited; } };
}

const SQLITE3 = ['/usr/bin/sqlite3', '/usr/local/bin/sqlite3'].find((f) => fs.existsSync(f));

test('when the database cannot be written, changes are refused with 500 storage and nothing changes',
	{ timeout: 30000, skip: SQLITE3 ? false : 'no sqlite3 shell to hold the database lock' }, async () => {
	await api.createRoom({ name: 'stored', pin: '5555' });
	const lock = await lockDatabase(path.join(server.dataDir, 'parley.db'));
	let released = false;
	try {
		const t0 = Date.now();
		expectError(await api.post('/api/v1/rooms', { name: 'unstored' }), 500, 'storage', 'create');
		console.log(`# a create against a locked database failed after ${Date.now() - t0} ms`);
		expectError(await api.get('/api/v1/rooms/unstored'), 404, 'not_found', 'the failed create left nothing');
		expectError(await api.patch('/api/v1/rooms/stored', { pin: '6666' }), 500, 'storage', 'patch');
		assert.equal((await api.get('/api/v1/rooms/stored')).json.pin, '5555', 'the failed patch changed nothing');
		const del = await api.del('/api/v1/rooms/stored');
		if (del.status === 204) {
			// The room is gone now, but still in the database: it would come back after a restart.
			await lock.release();
			released = true;
			const s2dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-copy-'));
			try {
				fs.copyFileSync(path.join(server.dataDir, 'parley.db'), path.join(s2dir, 'parley.db'));
				for (const ext of ['-wal', '-shm']) {
					const f = path.join(server.dataDir, `parley.db${ext}`);
					if (fs.existsSync(f)) fs.copyFileSync(f, path.join(s2dir, `parley.db${ext}`));
				}
				const s2 = await startServer({ dataDir: s2dir, extraArgs: ['--api-key', KEY] });
				const back = (await new Api(s2, { key: KEY }).get('/api/v1/rooms/stored')).status;
				await s2.stop();
				assert.fail(`DELETE answered 204 although the database was locked; after a restart the room is ${back === 200 ? 'back' : 'gone'}`);
			} finally {
				fs.rmSync(s2dir, { recursive: true, force: true });
			}
		}
		expectError(del, 500, 'storage', 'delete');
		assert.equal((await api.get('/api/v1/rooms/stored')).status, 200, 'the failed delete changed nothing');
	} finally {
		if (!released) await lock.release();
	}
	assert.equal((await api.post('/api/v1/rooms', { name: 'unstored' })).status, 201, 'works again once unlocked');
	for (const name of ['stored', 'unstored']) await api.del(`/api/v1/rooms/${name}`);
});

test('transient rooms can be deleted, and promoted by creating them', async () => {
	const c = await join('passing-by');
	const d = await join('promote-me');
	try {
		await expectJoined(c);
		await expectJoined(d);
		assert.equal((await api.del('/api/v1/rooms/passing-by')).status, 204);
		assert.deepEqual(await nextOf(c, 'bye'), { type: 'bye', reason: 'room_deleted' });

		const r = await api.post('/api/v1/rooms', { name: 'promote-me', max_participants: 3 });
		assert.equal(r.status, 201);
		assert.deepEqual([r.json.persistent, r.json.live, r.json.num_participants, r.json.max_participants],
			[true, true, 1, 3]);
		d.send({ type: 'leave' });
		await nextOf(d, 'bye');
		await waitFor(async () => (await api.get('/api/v1/rooms/promote-me')).json.live === false,
			{ timeout: 5000, message: 'promote-me to be empty' });
		assert.equal((await api.get('/api/v1/rooms/promote-me')).json.max_participants, 3, 'kept once empty');
		assert.equal((await api.del('/api/v1/rooms/promote-me')).status, 204);
	} finally {
		c.close();
		d.close();
	}
});

test('max_participants limits joins, and PATCH raises it for later joins', async () => {
	await api.createRoom({ name: 'small', max_participants: 1 });
	const a = await join('small');
	const b = await join('small');
	try {
		await expectJoined(a);
		await b.expectError('room_full', 'join');
		await api.patch('/api/v1/rooms/small', { max_participants: 2 });
		sendJoin(b, 'small');
		await expectJoined(b);
	} finally {
		a.close();
		b.close();
	}
	assert.equal((await api.del('/api/v1/rooms/small')).status, 204);
});

test('empty_timeout_s removes an empty room, not an occupied one', { timeout: 30000 }, async () => {
	await api.createRoom({ name: 'brief', empty_timeout_s: 1 });
	await api.createRoom({ name: 'brief-busy', empty_timeout_s: 1 });
	const c = await join('brief-busy');
	try {
		await expectJoined(c);
		const t0 = Date.now();
		await waitFor(async () => (await api.get('/api/v1/rooms/brief')).status === 404,
			{ timeout: 6000, message: 'the empty room to be removed' });
		console.log(`# an empty room with empty_timeout_s 1 went after ${Date.now() - t0} ms`);
		assert.equal((await api.get('/api/v1/rooms/brief-busy')).status, 200, 'the occupied one stays');
	} finally {
		c.close();
	}
	await waitFor(async () => (await api.get('/api/v1/rooms/brief-busy')).status === 404,
		{ timeout: 6000, message: 'brief-busy to be removed once empty' });
});

test('random bodies on every route with a body get 2xx or 4xx, never a 5xx', { timeout: 60000 }, async () => {
	await api.createRoom({ name: 'fuzz' });
	const c = await join('fuzz');
	const j = await expectJoined(c);
	let seed = 12345;
	const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
	const values = [null, true, false, 0, -1, 1, 2, 31, 32, 33, 1.5, 1e300, '', 'x', '1234', '+1', 'fuzz', '\u00e9',
		'..', 'a'.repeat(70), [], {}, [1], { a: 1 }];
	const keys = ['name', 'max_participants', 'pin', 'sip_number', 'require_token', 'empty_timeout_s', 'room',
		'identity', 'ttl_s', 'can_publish', 'can_subscribe', 'audio', 'video', 'zzz'];
	// Each route with a body it accepts; each round mutates a copy.
	const routes = [
		['POST', '/api/v1/rooms', (i) => ({ name: `fz-${i}`, max_participants: 4, pin: String(1000 + i), require_token: false })],
		['PATCH', '/api/v1/rooms/fuzz', () => ({ max_participants: 5, empty_timeout_s: 0, sip_number: null })],
		['POST', '/api/v1/tokens', () => ({ room: 'fuzz', identity: 'fuzzer', ttl_s: 60, can_publish: true })],
		['POST', `/api/v1/rooms/fuzz/participants/${j.id}/mute`, () => ({ audio: false })],
	];
	const statuses = {};
	try {
		for (let i = 0; i < 400; i++) {
			const [method, p, valid] = routes[i % routes.length];
			const o = valid(i);
			for (let k = rnd(3); k > 0; k--) {
				const key = rnd(3) === 0 ? Object.keys(o)[rnd(Object.keys(o).length)] : keys[rnd(keys.length)];
				if (rnd(4) === 0) delete o[key];
				else o[key] = values[rnd(values.length)];
			}
			let body = Buffer.from(JSON.stringify(o));
			if (rnd(6) === 0)
				for (let k = rnd(3); k >= 0; k--) body[rnd(body.length)] = rnd(256);
			const r = await api.request(method, p, { body, contentType: 'application/json' });
			statuses[r.status] = (statuses[r.status] || 0) + 1;
			assert.ok(r.status < 500, `${method} ${p} ${body}: ${r.status} ${r.text}`);
			if (method === 'POST' && p === '/api/v1/rooms' && r.status === 201)
				assert.equal((await api.del(`/api/v1/rooms/${r.json.name}`)).status, 204);
		}
	} finally {
		c.close();
	}
	console.log(`# fuzz statuses: ${JSON.stringify(statuses)}`);
	assert.equal((await api.get('/healthz')).status, 200);
	await api.del('/api/v1/rooms/fuzz');
});

// ---- other servers --------------------------------------------------------

test('rooms created through the API survive a restart with their settings; so does the token secret', { timeout: 60000 }, async () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-restart-'));
	const port = await freePort();
	let s1 = await startServer({ dataDir, port, extraArgs: ['--api-key', KEY] });
	let s2;
	try {
		const a1 = new Api(s1, { key: KEY });
		const kept = [
			{ name: 'keep-plain' },
			{ name: 'keep-full', max_participants: 4, pin: '97531', sip_number: '+4940111', require_token: true, empty_timeout_s: 86400 },
		];
		for (const s of kept) await a1.createRoom(s);
		await a1.createRoom({ name: 'keep-patched', pin: '1111' });
		await a1.patch('/api/v1/rooms/keep-patched', { pin: null, max_participants: 9, require_token: true });
		await a1.createRoom({ name: 'gone' });
		assert.equal((await a1.del('/api/v1/rooms/gone')).status, 204);
		const token = await a1.token({ room: 'keep-full', identity: 'dora', ttl_s: 600 });
		const transient = await join('transient-before-restart', { url: s1.wsUrl });
		await expectJoined(transient);
		const before = (await a1.get('/api/v1/rooms')).json.rooms.filter((r) => r.persistent);
		transient.close();
		await s1.stop();
		s1 = null;

		s2 = await startServer({ dataDir, port, extraArgs: ['--api-key', KEY] });
		const a2 = new Api(s2, { key: KEY });
		const afterRooms = (await a2.get('/api/v1/rooms')).json.rooms;
		assert.deepEqual(afterRooms, before, 'the same rooms, settings and created_at');
		assert.deepEqual(afterRooms.map((r) => r.name).sort(), ['keep-full', 'keep-patched', 'keep-plain']);
		assert.equal((await a2.get('/api/v1/rooms/gone')).status, 404);
		assert.deepEqual(without((await a2.get('/api/v1/rooms/keep-patched')).json, 'created_at'), {
			name: 'keep-patched', max_participants: 9, pin: null, sip_number: null, require_token: true,
			empty_timeout_s: 0, persistent: true, live: false, num_participants: 0, participants: [] });
		// A conflict still holds after the restart.
		expectError(await a2.post('/api/v1/rooms', { name: 'other', pin: '97531' }), 409, 'conflict');

		// The token secret was made once and kept: an old token still joins.
		const c = await join('keep-full', { url: s2.wsUrl, token });
		try {
			await expectJoined(c);
		} finally {
			c.close();
		}
	} finally {
		if (s1) await s1.stop().catch(() => {});
		if (s2) await s2.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});

test('without a key the API is open on loopback; PARLEY_API_KEY is a key', { timeout: 60000 }, async () => {
	const open = await startServer({ env: { PARLEY_API_KEY: '' } });
	try {
		const a = new Api(open);
		assert.equal((await a.get('/api/v1/rooms')).status, 200);
		assert.equal((await a.get('/api/v1/rooms', { key: 'anything' })).status, 200);
		assert.equal((await a.get('/metrics')).status, 200);
	} finally {
		await open.stop();
	}
	const envKeyed = await startServer({ env: { PARLEY_API_KEY: 'from-the-environment' } });
	try {
		const a = new Api(envKeyed);
		expectError(await a.get('/api/v1/rooms'), 401, 'unauthorized');
		assert.equal((await a.get('/api/v1/rooms', { key: 'from-the-environment' })).status, 200);
	} finally {
		await envKeyed.stop();
	}
});

test('auto_create_rooms 0: only rooms created through the API can be joined', { timeout: 30000 }, async () => {
	const s = await startServer({ extraArgs: ['--auto-create-rooms', '0', '--api-key', KEY] });
	try {
		const a = new Api(s, { key: KEY });
		const c = await join('ghost', { url: s.wsUrl });
		await c.expectError('room_not_found', 'join');
		await a.createRoom({ name: 'ghost' });
		sendJoin(c, 'ghost');
		await expectJoined(c);
		c.close();
	} finally {
		await s.stop();
	}
});

// Runs the binary and waits for it to exit (it should refuse to start).
async function runToExit(args, env = {}, timeout = 15000) {
	const port = await freePort();
	return new Promise((resolve, reject) => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-refuse-'));
		const childEnv = { ...process.env, ...env };
		if (!('PARLEY_API_KEY' in env)) delete childEnv.PARLEY_API_KEY;
		const p = spawn(PARLEY_BIN, ['--data-dir', dataDir, '--http-port', String(port), ...args],
			{ stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { out += d; });
		const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`still running after ${timeout} ms:\n${out}`)); }, timeout);
		p.on('exit', (code, signal) => {
			clearTimeout(t);
			fs.rmSync(dataDir, { recursive: true, force: true });
			if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(out))
				reject(new Error(`sanitizer report from ${args.join(' ')}:\n${out.slice(-6000)}`));
			else
				resolve({ code, signal, out });
		});
	});
}

test('a non-loopback address without an API key is refused at start', { timeout: 30000 }, async () => {
	for (const address of ['0.0.0.0', '::', '192.0.2.1']) {
		const r = await runToExit(['--http-address', address]);
		assert.notEqual(r.code, 0, `${address}: exit code`);
		assert.equal(r.signal, null);
		assert.match(r.out, new RegExp(`refusing to serve the API on ${address.replace(/[.]/g, '\\.')} without an API key`),
			`${address}: the reason is printed`);
		assert.doesNotMatch(r.out, /listening on/);
	}
	const empty = await runToExit(['--http-address', '0.0.0.0'], { PARLEY_API_KEY: '' });
	assert.notEqual(empty.code, 0, 'an empty PARLEY_API_KEY is no key');
	// With a key the check passes (and binding to an address this host does
	// not have fails later, so nothing listens beyond loopback).
	const keyed = await runToExit(['--http-address', '192.0.2.1'], { PARLEY_API_KEY: 'k' });
	assert.notEqual(keyed.code, 0);
	assert.doesNotMatch(keyed.out, /refusing/);
	assert.match(keyed.out, /cannot listen on 192\.0\.2\.1/);
});

test('WHIP refusals are documented JSON errors (the WHIP tests cover sessions)', async () => {
	const whip = (method, p, o = {}) => api.request(method, p, { key: false, ...o });
	expectError(await whip('POST', '/whip/whip-room', { body: 'v=0\r\n', contentType: 'text/plain' }), 415, 'unsupported_media_type');
	expectError(await whip('POST', '/whip/whip-room', { body: '', contentType: 'application/sdp' }), 400, 'bad_sdp');
	expectError(await whip('POST', '/whip/whip-room', { body: 'v=0\r\n', contentType: 'application/sdp' }), 400, 'bad_sdp');
	expectError(await whip('POST', '/whip/a%20b', { body: 'v=0\r\n', contentType: 'application/sdp' }), 400, 'bad_request');
	let r = await whip('GET', '/whip/whip-room');
	expectError(r, 405, 'method_not_allowed');
	assert.equal(r.headers.get('allow'), 'OPTIONS, POST');
	r = await whip('OPTIONS', '/whip/whip-room');
	assert.equal(r.status, 204);
	assert.equal(r.headers.get('access-control-allow-origin'), '*');
	expectError(await whip('PATCH', '/whip/whip-room/w1nosuch', { body: 'a=ice-ufrag:x\r\n',
		contentType: 'application/trickle-ice-sdpfrag' }), 404, 'not_found');
	expectError(await whip('DELETE', '/whip/whip-room/w1nosuch'), 404, 'not_found');
	expectError(await whip('GET', '/whip/'), 404, 'not_found');
	// A room that requires a token.
	await api.createRoom({ name: 'whip-locked', require_token: true });
	r = await whip('POST', '/whip/whip-locked', { body: 'v=0\r\n', contentType: 'application/sdp' });
	expectError(r, 401, 'unauthorized');
	r = await whip('POST', '/whip/whip-locked', { body: 'v=0\r\n', contentType: 'application/sdp',
		headers: { authorization: `Bearer ${forgeToken({ claims: { sub: 'x', room: 'whip-locked', exp: nowS() + 60 }, secret: 'nope' })}` } });
	expectError(r, 401, 'invalid_token');
	assert.match(r.headers.get('www-authenticate'), /error="invalid_token"/);
	const listener = await api.token({ room: 'whip-locked', identity: 'enc', can_publish: false });
	r = await whip('POST', '/whip/whip-locked', { body: 'v=0\r\n', contentType: 'application/sdp',
		headers: { authorization: `Bearer ${listener}` } });
	expectError(r, 403, 'forbidden');
	assert.equal((await api.del('/api/v1/rooms/whip-locked')).status, 204);
	assert.equal((await api.get('/healthz')).status, 200);
});

// A room WHIP made under a name like a~b was listed by the API but could
// not be read, deleted or joined by a browser.
test('WHIP refuses room names the API and signaling cannot address', async () => {
	const offer = fs.readFileSync(path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
		'../fixtures/sdp/whip_chrome_offer.sdp'));
	const r = await api.request('POST', '/whip/a~b', { body: offer, contentType: 'application/sdp', key: false });
	if (r.status === 201) await api.request('DELETE', r.headers.get('location'), { key: false });
	expectError(r, 400, 'bad_request', 'POST /whip/a~b');
	// fetch would resolve the dots; send them as they are.
	const dots = await rawRequest(server.url, { path: '/whip/..', headers: { 'content-type': 'application/sdp' }, chunks: [offer] });
	assert.ok(!dots.error && !dots.contractError, String(dots.error || dots.contractError));
	assert.deepEqual([dots.status, dots.json.error.code], [400, 'bad_request'], 'POST /whip/..');
	assert.deepEqual((await api.get('/api/v1/rooms')).json.rooms.filter((x) => !/^[A-Za-z0-9._-]+$/.test(x.name)), []);
});

test('every documented API operation was driven', () => {
	const covered = seen();
	const ops = documentedOperations((t) => !t.startsWith('/whip'));
	const missing = ops.filter((op) => ![...covered].some((s) => s.startsWith(`${op} `)));
	assert.deepEqual(missing, [], 'operations never called');
	const unseen = [];
	for (const op of ops)
		for (const st of documentedStatuses(op))
			if (!covered.has(`${op} ${st}`)) unseen.push(`${op} ${st}`);
	console.log(`# ${covered.size} (operation, status) pairs checked against docs/openapi.yaml; documented but not driven here: ${unseen.join(', ') || 'none'}`);
	server.assertAlive();
});
