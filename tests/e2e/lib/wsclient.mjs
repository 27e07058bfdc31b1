// A raw signaling client for protocol tests: send anything, await messages.

import WebSocket from 'ws';

export class WsClient {
	static async connect(url, { timeout = 5000 } = {}) {
		const c = new WsClient(url);
		await c.opened(timeout);
		return c;
	}

	constructor(url) {
		this.ws = new WebSocket(url);
		this.queue = [];      // messages not yet consumed by next()
		this.all = [];        // every message received
		this.waiters = [];
		this.closed = null;   // {code, reason} once closed
		this._closeWaiters = [];
		this.ws.on('message', (data, isBinary) => {
			let msg;
			try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { type: '__non_json__', raw: data.toString('utf8'), isBinary }; }
			this.all.push(msg);
			this.queue.push(msg);
			this._wake();
		});
		this.ws.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString() };
			for (const w of this._closeWaiters.splice(0)) w(this.closed);
			this._wake();
		});
		this.ws.on('error', (e) => { this.error = e; });
	}

	opened(timeout) {
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error('WebSocket did not open')), timeout);
			this.ws.once('open', () => { clearTimeout(t); resolve(); });
			this.ws.once('error', (e) => { clearTimeout(t); reject(e); });
		});
	}

	sendRaw(data) { this.ws.send(data); }
	send(obj) { this.ws.send(JSON.stringify(obj)); }

	_wake() { for (const w of this.waiters.splice(0)) w(); }

	// Resolves with the first queued message matching pred (removing it and
	// everything before it that `skip` allows); rejects after timeout.
	async next(pred = () => true, { timeout = 5000, skip = (m) => m.type === 'candidate', what = 'message' } = {}) {
		const deadline = Date.now() + timeout;
		for (;;) {
			while (this.queue.length) {
				const m = this.queue.shift();
				if (pred(m)) return m;
				if (!skip(m)) throw new Error(`expected ${what}, got ${JSON.stringify(m).slice(0, 400)}`);
			}
			if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}`);
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`timed out waiting for ${what}`);
			await new Promise((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
		}
	}

	// The next message that is not a candidate, participant_* or active_speaker
	// notification must be an error with this code (and ref, if given).
	async expectError(code, ref, opts = {}) {
		const noise = (m) => ['candidate', 'participant_joined', 'participant_left', 'active_speaker', 'muted'].includes(m.type);
		const m = await this.next((x) => !noise(x), { skip: noise, what: `error ${code}`, ...opts });
		if (m.type !== 'error' || m.code !== code) throw new Error(`expected error ${code}${ref ? ` (ref ${ref})` : ''}, got ${JSON.stringify(m).slice(0, 400)}`);
		if (typeof m.message !== 'string') throw new Error(`error ${code} has no message string: ${JSON.stringify(m)}`);
		if (ref !== undefined && m.ref !== ref) throw new Error(`error ${code}: expected ref ${JSON.stringify(ref)}, got ${JSON.stringify(m.ref)}`);
		return m;
	}

	waitClose(timeout = 5000) {
		if (this.closed) return Promise.resolve(this.closed);
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error('socket not closed in time')), timeout);
			this._closeWaiters.push((c) => { clearTimeout(t); resolve(c); });
		});
	}

	close() { try { this.ws.close(); } catch { /* ignore */ } }
}
