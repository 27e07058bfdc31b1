// HTTP helpers for the room API tests: a client whose every response is
// checked against docs/openapi.yaml (lib/openapi.mjs), raw requests for
// bodies fetch will not send, JWT forging, and Prometheus text parsing.

import http from 'node:http';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { checkResponse } from './openapi.mjs';

// A client for one server. key: the API key sent as Bearer (null: none).
export class Api {
	constructor(server, { key = null } = {}) {
		this.base = server.url;
		this.key = key;
	}

	// Sends a request and checks the response against the contract.
	// json: a value sent as application/json. body: a raw string/Buffer sent
	// with contentType (none when null). key: overrides the client's key
	// (false = no Authorization). headers: extra headers.
	async request(method, path, { json, body, contentType = null, key, headers = {} } = {}) {
		const h = { ...headers };
		const k = key === undefined ? this.key : key;
		if (k) h.authorization = `Bearer ${k}`;
		let payload;
		if (json !== undefined) {
			payload = JSON.stringify(json);
			h['content-type'] = 'application/json';
		} else if (body !== undefined) {
			payload = typeof body === 'string' ? Buffer.from(body) : body;
			if (contentType) h['content-type'] = contentType;
		}
		const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
		const text = await res.text();
		const parsed = checkResponse({ method, path, status: res.status, headers: res.headers, text });
		return { status: res.status, headers: res.headers, text, json: parsed };
	}

	get(path, o) { return this.request('GET', path, o); }
	post(path, json, o = {}) { return this.request('POST', path, { json, ...o }); }
	patch(path, json, o = {}) { return this.request('PATCH', path, { json, ...o }); }
	del(path, o) { return this.request('DELETE', path, o); }

	// Creates a room and returns its JSON (asserting 201).
	async createRoom(settings) {
		const r = await this.post('/api/v1/rooms', settings);
		if (r.status !== 201) throw new Error(`create ${JSON.stringify(settings)}: ${r.status} ${r.text}`);
		return r.json;
	}

	async token(claims) {
		const r = await this.post('/api/v1/tokens', claims);
		if (r.status !== 201) throw new Error(`token ${JSON.stringify(claims)}: ${r.status} ${r.text}`);
		return r.json.token;
	}

	async participants(room) {
		const r = await this.get(`/api/v1/rooms/${room}/participants`);
		if (r.status !== 200) throw new Error(`participants of ${room}: ${r.status} ${r.text}`);
		return r.json.participants;
	}

	async metricsText() {
		const r = await this.get('/metrics');
		if (r.status !== 200) throw new Error(`metrics: ${r.status} ${r.text}`);
		return r.text;
	}
}

// A request through node:http, for what fetch will not do (a declared
// Content-Length with a body we stop sending, chunked uploads of any size).
// Resolves {status, headers, text} or {error} when the server cut the
// connection before answering; the answer is contract-checked.
export function rawRequest(url, { method = 'POST', path, headers = {}, chunks = [], end = true, timeout = 10000 }) {
	return new Promise((resolve) => {
		const u = new URL(url);
		const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false });
		const timer = setTimeout(() => { req.destroy(new Error('timeout')); }, timeout);
		req.on('response', (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => {
				clearTimeout(timer);
				const out = { status: res.statusCode, headers: res.headers, text };
				try {
					out.json = checkResponse({ method, path, status: res.statusCode, headers: res.headers, text });
				} catch (e) { out.contractError = e; }
				resolve(out);
			});
		});
		req.on('error', (e) => { clearTimeout(timer); resolve({ error: e }); });
		(async () => {
			for (const c of chunks) {
				if (req.destroyed) return;
				if (!req.write(c)) {
					await new Promise((r) => {
						const done = () => { req.off('drain', done); req.off('close', done); r(); };
						req.on('drain', done);
						req.on('close', done);
					});
				}
			}
			if (end && !req.destroyed) req.end();
		})();
	});
}

// ---- JWT ------------------------------------------------------------------

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

// A compact JWS with the given header and claims, signed HS256 with secret
// (sign: false leaves the signature empty; signature: a string to use instead).
export function forgeToken({ header = { alg: 'HS256', typ: 'JWT' }, claims, secret, signature } = {}) {
	const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
	const sig = signature !== undefined ? signature
		: b64url(crypto.createHmac('sha256', secret).update(head).digest());
	return `${head}.${sig}`;
}

export function decodeToken(jwt) {
	const [h, p, s] = jwt.split('.');
	return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')), signature: s };
}

export function verifyToken(jwt, secret) {
	const i = jwt.lastIndexOf('.');
	const want = b64url(crypto.createHmac('sha256', secret).update(jwt.slice(0, i)).digest());
	return want === jwt.slice(i + 1);
}

// ---- Prometheus -----------------------------------------------------------

// {family: {labels-string: value}} from exposition text (no validation:
// promtool does that).
export function parseMetrics(text) {
	const out = {};
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
		if (!m) continue;
		(out[m[1]] ||= {})[m[2] || ''] = Number(m[3]);
	}
	return out;
}

export function metricSum(parsed, name) {
	return Object.values(parsed[name] || {}).reduce((a, b) => a + b, 0);
}

// Runs `promtool check metrics` with text on stdin; resolves {code, output}.
export function promtoolCheck(text, promtool = process.env.PROMTOOL || '/usr/bin/promtool') {
	return new Promise((resolve, reject) => {
		const p = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
		let output = '';
		p.stdout.on('data', (d) => { output += d; });
		p.stderr.on('data', (d) => { output += d; });
		p.on('error', reject);
		p.on('exit', (code) => resolve({ code, output }));
		p.stdin.end(text);
	});
}
