// data_channels.js: the data channels of one ParleyRoom (docs/protocol.md,
// "Data channels"). Outgoing channels are opened lazily, one per (label,
// reliability, target set), on the room's RTCPeerConnection; messages wait
// in a JS queue until their channel is open and while its bufferedAmount is
// high. Incoming channels are the ones Parley opens to relay others'
// messages. Owned by its ParleyRoom (a new one per join); the room is the
// host: state, id, participants, _pc, _answered and _emit are read from it.

import { ParleyError } from './parley_error.js';

// Stop handing messages to a channel while its bufferedAmount would exceed
// HIGH; resume on bufferedamountlow (threshold LOW). Chromium closes a
// channel whose buffer passes 16 MiB, so stay well below.
const HIGH = 1024 * 1024;
const LOW = 256 * 1024;
const DEFAULT_MAX_MESSAGE = 262144;

export class DataChannels {
	constructor(room) {
		this.room = room;
		this.out = new Map(); // key -> outgoing channel record
		this.in = [];         // incoming (relayed) channel records
	}

	// ParleyRoom.send(): returns the number of bytes queued. Throws only for
	// misuse (not in a room, bad data type, message larger than the
	// negotiated maximum), never because buffers are full.
	send(data, opts = {}) {
		const { reliable = true, to = null, label = 'parley' } = opts || {};
		const room = this.room;
		if (room.state !== 'joined' && room.state !== 'joining')
			throw new ParleyError('out_of_order', 'send() needs a joined room');
		const entry = queueEntry(data);
		const max = this._maxMessageSize();
		if (entry.size > max)
			throw new ParleyError('too_large', `message of ${entry.size} bytes exceeds the maximum of ${max}`);
		let targets = null;
		if (to != null) {
			const list = (Array.isArray(to) ? to : [to]).map(String).filter((x) => x.length);
			targets = [...new Set(list)].sort();
			if (!targets.length) return 0; // addressed to nobody
		}
		const key = `${String(label)}\u0000${reliable ? 'r' : 'u'}\u0000${targets ? targets.join(',') : '*'}`;
		let out = this.out.get(key);
		if (!out) {
			out = { direction: 'out', key, label: String(label), reliable: !!reliable, to: targets,
				protocol: targets ? `to:${targets.join(',')}` : '', channel: null, queue: [], queuedBytes: 0,
				messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0, messagesDropped: 0,
				opened: 0, reopens: 0 };
			this.out.set(key, out);
		}
		const ch = out.channel;
		if (!out.queue.length && !entry.pending && ch && ch.readyState === 'open'
			&& ch.bufferedAmount + entry.size <= HIGH) {
			if (this._send(out, entry)) return entry.size;
		}
		if (!entry.pending) entry.data = copyBinary(entry.data); // the caller may reuse its buffer
		else entry.pending.then(() => this._flush(out));
		out.queue.push(entry);
		out.queuedBytes += entry.size;
		if (!out.channel) this._open(out);
		else this._flush(out);
		return entry.size;
	}

	// Per-channel counters as plain JSON (outgoing and incoming channels).
	stats() {
		const rows = [];
		for (const out of this.out.values()) {
			const ch = out.channel;
			rows.push({ direction: 'out', label: out.label, reliable: out.reliable, ordered: out.reliable,
				protocol: out.protocol, to: out.to, from: this.room.id, state: ch ? ch.readyState : 'none',
				id: ch ? ch.id : null, messagesSent: out.messagesSent, bytesSent: out.bytesSent,
				messagesReceived: out.messagesReceived, bytesReceived: out.bytesReceived,
				messagesDropped: out.messagesDropped, queued: out.queue.length, queuedBytes: out.queuedBytes,
				bufferedAmount: ch ? ch.bufferedAmount : 0 });
		}
		for (const r of this.in) {
			const ch = r.channel;
			rows.push({ direction: 'in', label: r.label, reliable: r.reliable, ordered: r.ordered,
				protocol: r.protocol, to: null, from: r.from, state: ch.readyState, id: ch.id,
				messagesSent: 0, bytesSent: 0, messagesReceived: r.messagesReceived, bytesReceived: r.bytesReceived,
				messagesDropped: 0, queued: 0, queuedBytes: 0, bufferedAmount: ch.bufferedAmount });
		}
		return rows;
	}

	// Bytes not yet handed to the network: JS queues plus bufferedAmount.
	buffered() {
		let n = 0;
		for (const out of this.out.values())
			n += out.queuedBytes + (out.channel ? out.channel.bufferedAmount : 0);
		return n;
	}

	// The first answer is applied: channels asked for before can open.
	openPending() {
		for (const out of this.out.values()) if (!out.channel) this._open(out);
	}

	// A channel Parley opened (RTCPeerConnection 'datachannel').
	onRemoteChannel(ch) {
		ch.binaryType = 'arraybuffer';
		const rec = { direction: 'in', channel: ch, label: ch.label, protocol: ch.protocol,
			from: ch.protocol || null, ordered: ch.ordered,
			reliable: ch.maxRetransmits == null && ch.maxPacketLifeTime == null,
			messagesReceived: 0, bytesReceived: 0 };
		this.in.push(rec);
		// Keep closed channels' counters for a while, not forever.
		if (this.in.length > 200) {
			const i = this.in.findIndex((r) => r.channel.readyState === 'closed');
			if (i >= 0) this.in.splice(i, 1);
		}
		const info = () => ({ direction: 'in', label: rec.label, reliable: rec.reliable, from: rec.from, to: null });
		ch.onmessage = (ev) => this._onMessage(rec, ev.data);
		ch.onclose = () => this.room._emit('channel_close', info());
		if (ch.readyState === 'open') this.room._emit('channel_open', info());
		else ch.onopen = () => this.room._emit('channel_open', info());
	}

	// The room is closing: every channel closes silently and what is still
	// queued counts as dropped.
	close() {
		for (const out of this.out.values()) {
			const ch = out.channel;
			out.channel = null;
			out.messagesDropped += out.queue.length;
			out.queue = [];
			out.queuedBytes = 0;
			if (ch) { ch.onopen = ch.onclose = ch.onmessage = ch.onbufferedamountlow = null; try { ch.close(); } catch {} }
		}
		for (const r of this.in) {
			const ch = r.channel;
			ch.onopen = ch.onclose = ch.onmessage = null;
			try { ch.close(); } catch {}
		}
	}

	_maxMessageSize() {
		const sctp = this.room._pc && this.room._pc.sctp;
		const m = sctp && sctp.maxMessageSize;
		return m && Number.isFinite(m) && m > 0 ? m : DEFAULT_MAX_MESSAGE;
	}

	// Channels are created once the first answer is applied: the SCTP
	// association rides on the offer's m=application section.
	_open(out) {
		const room = this.room;
		const pc = room._pc;
		if (!pc || pc.signalingState === 'closed' || !room._answered) return;
		const init = { ordered: out.reliable };
		if (!out.reliable) init.maxRetransmits = 0;
		if (out.protocol) init.protocol = out.protocol;
		let ch;
		try { ch = pc.createDataChannel(out.label, init); } catch (e) {
			room._emit('error', { code: 'data_channel', message: `cannot open data channel '${out.label}': ${e.message || e}` });
			return;
		}
		ch.binaryType = 'arraybuffer';
		ch.bufferedAmountLowThreshold = LOW;
		out.channel = ch;
		out.opened++;
		const info = () => ({ direction: 'out', label: out.label, reliable: out.reliable, from: room.id, to: out.to });
		ch.onopen = () => { room._emit('channel_open', info()); this._flush(out); };
		ch.onbufferedamountlow = () => this._flush(out);
		ch.onmessage = (ev) => this._onMessage(out, ev.data);
		ch.onclose = () => {
			if (out.channel !== ch) return;
			out.channel = null;
			room._emit('channel_close', info());
			if (room.state === 'closed') return;
			// Reopen if there is still something to send (bounded), else forget it.
			if (out.queue.length && out.reopens < 3) { out.reopens++; this._open(out); }
			else if (!out.queue.length) this.out.delete(out.key);
			else { out.messagesDropped += out.queue.length; out.queue = []; out.queuedBytes = 0; this.out.delete(out.key); }
		};
	}

	// Hands one message to the channel; false if it must stay queued.
	_send(out, entry) {
		const ch = out.channel;
		try {
			ch.send(entry.data);
		} catch (e) {
			if (e && e.name === 'OperationError' && ch.bufferedAmount > 0) return false; // full: wait for low
			out.messagesDropped++;
			console.warn('parley: data channel send failed, message dropped', e);
			this.room._emit('error', { code: 'data_channel', message: `send on '${out.label}' failed: ${e && e.message || e}` });
			return true;
		}
		out.messagesSent++;
		out.bytesSent += entry.size;
		return true;
	}

	_flush(out) {
		const ch = out.channel;
		if (!ch || ch.readyState !== 'open') return;
		while (out.queue.length) {
			const e = out.queue[0];
			if (e.pending) return; // a Blob still being read; its promise calls back
			if (ch.bufferedAmount > 0 && ch.bufferedAmount + e.size > HIGH) return; // bufferedamountlow resumes
			if (!this._send(out, e)) return;
			out.queue.shift();
			out.queuedBytes -= e.size;
		}
	}

	_onMessage(rec, data) {
		const binary = typeof data !== 'string';
		rec.messagesReceived++;
		rec.bytesReceived += binary ? (data.byteLength ?? data.size ?? 0) : utf8Length(data);
		const from = rec.direction === 'in' ? rec.from : null;
		this.room._emit('data', { from, participant: from ? this.room.participants.get(from) || null : null,
			data, label: rec.label, reliable: rec.reliable, binary });
	}
}

// A queue entry for send(): {data, size, pending?}. Blobs are read into an
// ArrayBuffer first (pending resolves when done), so queue order is kept.
function queueEntry(data) {
	if (typeof data === 'string') return { data, size: utf8Length(data) };
	if (data instanceof ArrayBuffer) return { data, size: data.byteLength };
	if (ArrayBuffer.isView(data)) return { data, size: data.byteLength };
	if (typeof Blob !== 'undefined' && data instanceof Blob) {
		const entry = { data: null, size: data.size, pending: null };
		entry.pending = data.arrayBuffer().then((buf) => { entry.data = buf; entry.pending = null; },
			() => { entry.data = new ArrayBuffer(0); entry.pending = null; });
		return entry;
	}
	throw new ParleyError('bad_request', 'send(): data must be a string, ArrayBuffer, TypedArray, DataView or Blob');
}

function copyBinary(data) {
	if (data instanceof ArrayBuffer) return data.slice(0);
	if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
	return data;
}

function utf8Length(s) {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x80) n += 1;
		else if (c < 0x800) n += 2;
		else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			const d = s.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
		} else n += 3;
	}
	return n;
}
