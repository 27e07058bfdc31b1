#!/usr/bin/env node
// A stand-in for the Parley server, for developing web/ and these tests
// without the C server: same command line, same signaling protocol
// (docs/protocol.md), same static files. The media plane is a page in its own
// headless Chromium (sfu.html) that offers to every participant and forwards
// (re-encodes) each published track to the others.
//
//   PARLEY_BIN=mock/mock-parley.mjs node --test
//
// Not a reference implementation: it checks the protocol's error cases only as
// far as the tests need them.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = path.resolve(here, '../../../web');
const MAX_FRAME = 64 * 1024;
const ROOM_RE = /^[A-Za-z0-9_.-]{1,64}$/;

const opts = { port: 8080 };
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (a === '--help') { console.log('mock-parley.mjs [--http-port N] [--ice-address A] [--log L]'); process.exit(0); }
	if (a === '--http-port') opts.port = Number(process.argv[++i]);
	else if (a === '--ice-address' || a === '--ice-addresses' || a === '--log') i++;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
	'.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon' };

const httpServer = http.createServer((req, res) => {
	const u = new URL(req.url, 'http://x');
	let file;
	if (u.pathname === '/mock-sfu.html') file = path.join(here, 'sfu.html');
	else file = path.join(WEB_DIR, path.normalize(u.pathname === '/' ? '/index.html' : u.pathname));
	if (!file.startsWith(WEB_DIR) && file !== path.join(here, 'sfu.html')) { res.writeHead(403); res.end(); return; }
	fs.readFile(file, (err, data) => {
		if (err) { res.writeHead(404); res.end('not found'); return; }
		res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
		res.end(data);
	});
});

// ---- the media page -------------------------------------------------------

let sfu = null;            // control socket of sfu.html
const sfuQueue = [];
function toSfu(msg) {
	if (sfu && sfu.readyState === 1) sfu.send(JSON.stringify(msg)); else sfuQueue.push(msg);
}
const answerWaiters = new Map();
let reqSeq = 0;

// ---- participants ---------------------------------------------------------

const rooms = new Map();   // room -> Map(id -> participant)
const byId = new Map();
let idSeq = 0;

function send(p, msg) { if (p.ws.readyState === 1) p.ws.send(JSON.stringify(msg)); }
function error(ws, code, message, ref) {
	if (ws.readyState === 1) ws.send(JSON.stringify({ type: 'error', code, message, ...(ref ? { ref } : {}) }));
}
function info(p) { return { id: p.id, name: p.name, audio_muted: p.audio_muted, video_muted: p.video_muted }; }
function others(p) { return [...(rooms.get(p.room) || new Map()).values()].filter((o) => o !== p); }

function removeParticipant(p, reason) {
	if (p.gone) return;
	p.gone = true;
	byId.delete(p.id);
	rooms.get(p.room)?.delete(p.id);
	for (const o of others(p)) send(o, { type: 'participant_left', id: p.id, reason });
	toSfu({ op: 'remove', id: p.id });
}

function onClientMessage(ws, state, data, isBinary) {
	if (data.length > MAX_FRAME) {
		error(ws, 'too_large', 'frame over 64 KiB');
		ws.close(1009, 'too large');
		return;
	}
	if (isBinary) { error(ws, 'bad_json', 'binary frame'); return; }
	let msg;
	try { msg = JSON.parse(data.toString('utf8')); } catch { error(ws, 'bad_json', 'not JSON'); return; }
	if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof msg.type !== 'string') {
		error(ws, 'bad_json', 'not an object with a string type');
		return;
	}
	const t = msg.type;
	if (!['join', 'answer', 'candidate', 'mute', 'leave'].includes(t)) { error(ws, 'unknown_type', `unknown type ${t}`, t); return; }
	const p = state.p;
	if (t === 'join') {
		if (p) { error(ws, 'out_of_order', 'already joined', t); return; }
		if (typeof msg.room !== 'string' || !ROOM_RE.test(msg.room)) { error(ws, 'bad_request', 'bad room', t); return; }
		if (typeof msg.name !== 'string' || msg.name.length > 64) { error(ws, 'bad_request', 'bad name', t); return; }
		if (msg.token != null && typeof msg.token !== 'string') { error(ws, 'bad_request', 'bad token', t); return; }
		const np = { id: `p${++idSeq}`, room: msg.room, name: msg.name, audio_muted: false, video_muted: false,
			ws, offerOutstanding: false };
		state.p = np;
		if (!rooms.has(np.room)) rooms.set(np.room, new Map());
		const list = others(np).map(info);
		rooms.get(np.room).set(np.id, np);
		byId.set(np.id, np);
		send(np, { type: 'joined', room: np.room, id: np.id, participants: list });
		for (const o of others(np)) send(o, { type: 'participant_joined', participant: info(np) });
		toSfu({ op: 'add', id: np.id, room: np.room });
		return;
	}
	if (!p) { error(ws, 'out_of_order', 'join first', t); return; }
	switch (t) {
	case 'answer': {
		if (typeof msg.sdp !== 'string') { error(ws, 'bad_request', 'sdp must be a string', t); return; }
		if (!p.offerOutstanding) { error(ws, 'out_of_order', 'no offer outstanding', t); return; }
		const reqId = ++reqSeq;
		answerWaiters.set(reqId, (r) => {
			if (r.ok) p.offerOutstanding = false; else error(ws, 'bad_sdp', r.error || 'bad answer', t);
		});
		toSfu({ op: 'answer', id: p.id, sdp: msg.sdp, reqId });
		return;
	}
	case 'candidate': {
		const c = msg.candidate;
		if (c !== null && (typeof c !== 'object' || typeof c.candidate !== 'string')) { error(ws, 'bad_request', 'bad candidate', t); return; }
		toSfu({ op: 'candidate', id: p.id, candidate: c });
		return;
	}
	case 'mute': {
		if ((msg.kind !== 'audio' && msg.kind !== 'video') || typeof msg.muted !== 'boolean') { error(ws, 'bad_request', 'bad mute', t); return; }
		p[msg.kind === 'audio' ? 'audio_muted' : 'video_muted'] = msg.muted;
		for (const o of others(p)) send(o, { type: 'muted', id: p.id, kind: msg.kind, muted: msg.muted });
		return;
	}
	case 'leave':
		send(p, { type: 'bye', reason: 'left' });
		removeParticipant(p, 'left');
		ws.close(1000);
		return;
	}
}

function onSfuMessage(msg) {
	const p = byId.get(msg.id);
	switch (msg.op) {
	case 'offer':
		if (!p) return;
		p.offerOutstanding = true;
		send(p, { type: 'offer', sdp: msg.sdp, tracks: msg.tracks });
		return;
	case 'candidate':
		if (p) send(p, { type: 'candidate', candidate: msg.candidate });
		return;
	case 'answer_result': {
		const w = answerWaiters.get(msg.reqId);
		answerWaiters.delete(msg.reqId);
		if (w) w(msg);
		return;
	}
	case 'published':
		if (p) for (const o of [p, ...others(p)]) send(o, { type: 'active_speaker', id: p.id });
		return;
	case 'log':
		if (process.env.E2E_VERBOSE) console.error('sfu:', msg.text);
	}
}

const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
httpServer.on('upgrade', (req, socket, head) => {
	const u = new URL(req.url, 'http://x');
	if (u.pathname === '/ws' || u.pathname === '/mock-control') {
		wss.handleUpgrade(req, socket, head, (ws) => {
			if (u.pathname === '/mock-control') {
				sfu = ws;
				ws.on('message', (d) => onSfuMessage(JSON.parse(d.toString())));
				for (const m of sfuQueue.splice(0)) toSfu(m);
				sfuReady();
				return;
			}
			const state = { p: null };
			ws.on('message', (d, isBinary) => onClientMessage(ws, state, d, isBinary));
			ws.on('close', () => { if (state.p) removeParticipant(state.p, 'disconnected'); });
			ws.on('error', () => {});
		});
	} else socket.destroy();
});

let sfuReady;
const sfuReadyP = new Promise((r) => { sfuReady = r; });

httpServer.listen(opts.port, '127.0.0.1', async () => {
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true, args: CHROMIUM_ARGS });
	const page = await browser.newPage();
	page.on('pageerror', (e) => console.error('sfu page error:', e.message));
	page.on('console', (m) => { if (process.env.E2E_VERBOSE) console.error('sfu console:', m.text()); });
	await page.goto(`http://127.0.0.1:${opts.port}/mock-sfu.html`);
	await sfuReadyP;
	console.log(`Parley listening on http://127.0.0.1:${opts.port}/`);
	const shutdown = async () => {
		for (const p of byId.values()) { send(p, { type: 'bye', reason: 'server_shutdown' }); p.ws.close(); }
		await browser.close().catch(() => {});
		process.exit(0);
	};
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);
});
