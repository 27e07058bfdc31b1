// parley.js: a small, dependency-free browser client for the Parley SFU.
//
// Speaks the signaling protocol in docs/protocol.md over one WebSocket and
// runs one RTCPeerConnection per room. The server is always the offerer: this
// side only answers, publishing its microphone and camera in the m-sections
// with mids "0" and "1" and receiving everyone else's tracks in the rest.
//
//   import { ParleyRoom } from './parley.js';
//   const room = new ParleyRoom();                 // ws(s)://<host>/ws
//   room.on('track', ({ participant, track, stream }) => { ... });
//   await room.join({ room: 'demo', name: 'Alice' });
//
// Events (room.on / room.off), each handler gets one object:
//   participant_joined {participant, existing}   existing: listed in `joined`
//   participant_left   {participant, id, reason}
//   track              {participant, track, stream, kind, mid}
//   track_ended        {participant, track, stream, kind, mid}
//   muted              {participant, id, kind, muted, by, self}
//                      by: 'participant', or 'server' when the room API
//                      muted someone; then, for self, the local track stays
//                      disabled (room.serverMuted) until the server unmutes.
//   active_speaker     {participant, id}
//   connection_state   {state, ice, signaling}
//   error              {code, message, ref}
//   bye                {reason}
//   data               {from, participant, data, label, reliable, binary}
//   channel_open       {direction, label, reliable, from, to}   (data channels)
//   channel_close      {direction, label, reliable, from, to}
//
// Data channels (docs/protocol.md, "Data channels"):
//   room.send(data, {reliable = true, to, label = 'parley'})
//     data: string, ArrayBuffer, TypedArray/DataView or Blob. reliable:false
//     uses an unordered channel with maxRetransmits 0. `to` (participant ids)
//     addresses only those participants (channel protocol `to:ID1,ID2`).
//     Channels are opened lazily, one per (label, reliability, target set);
//     messages wait in a JS queue until the channel is open and while its
//     bufferedAmount is high, so send() never throws on a full buffer.
//   room.dataStats()     per-channel counters (both directions)
//   room.dataBuffered()  bytes still queued in JS plus bufferedAmount
//   (data_channels.js does this; parley_error.js has ParleyError.)

import { DataChannels } from './data_channels.js';
import { ParleyError } from './parley_error.js';

export { ParleyError };

const PUBLISH_MIDS = { audio: '0', video: '1' };

function defaultUrl() {
	if (typeof location === 'undefined') return 'ws://127.0.0.1:8080/ws';
	return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

// Splits an SDP into its m-sections:
// [{index, kind, port, mid, direction, msid: {stream, track}, bundleOnly, rejected}].
export function parseMediaSections(sdp) {
	const out = [];
	let sessionDir = 'sendrecv';
	let cur = null;
	for (const raw of String(sdp).split(/\r?\n/)) {
		const line = raw.trim();
		if (line.startsWith('m=')) {
			const parts = line.slice(2).split(' ');
			cur = { index: out.length, kind: parts[0], port: Number(parts[1]),
				mid: null, direction: null, msid: null, bundleOnly: false };
			out.push(cur);
			continue;
		}
		const dir = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line);
		if (dir) {
			if (cur) cur.direction = dir[1]; else sessionDir = dir[1];
		} else if (cur && line === 'a=bundle-only') {
			cur.bundleOnly = true;
		} else if (cur && line.startsWith('a=mid:')) {
			cur.mid = line.slice(6);
		} else if (cur && line.startsWith('a=msid:') && !cur.msid) {
			const [stream, track] = line.slice(7).split(' ');
			cur.msid = { stream, track: track || null };
		}
	}
	for (const m of out) {
		if (!m.direction) m.direction = sessionDir;
		m.rejected = m.port === 0 && !m.bundleOnly;
	}
	return out;
}

export class ParleyRoom {
	constructor(opts = {}) {
		this.url = opts.url || defaultUrl();
		this.rtcConfig = opts.rtcConfig || {};
		this.id = null;
		this.roomName = null;
		this.name = null;
		this.localStream = null;
		this.participants = new Map();
		this.audioMuted = false;
		this.videoMuted = false;
		this.serverMuted = { audio: false, video: false }; // by the room API
		this.state = 'idle';          // idle | joining | joined | closed
		this.connectionState = 'new'; // RTCPeerConnection.connectionState
		this.iceConnectionState = 'new';
		this.signalingState = 'closed'; // connecting | open | closing | closed
		this.remoteTracks = new Map();  // mid -> {participantId, kind, msidTrack, track}
		this.offersHandled = 0;
		this.timing = {};           // performance.now() ms: joinStart, localMedia, joined, firstOffer, firstAnswer, connected
		this._handlers = new Map();
		this._ws = null;
		this._pc = null;
		this._ownStream = false;
		this.localStream = null;
		this._chain = Promise.resolve();
		this._media = Promise.resolve();
		this._pendingRemote = [];   // remote candidates waiting for a description
		this._pendingLocal = [];    // local candidates waiting for the first answer
		this._answered = false;
		this._sentEoc = false;
		this._joinWaiter = null;
		this._closeWaiters = [];
		this._data = new DataChannels(this);
	}

	// ---- events -----------------------------------------------------------

	on(event, fn) {
		if (!this._handlers.has(event)) this._handlers.set(event, new Set());
		this._handlers.get(event).add(fn);
		return this;
	}

	off(event, fn) {
		const set = this._handlers.get(event);
		if (set) { if (fn) set.delete(fn); else set.clear(); }
		return this;
	}

	_emit(event, payload) {
		const set = this._handlers.get(event);
		if (!set) return;
		for (const fn of [...set]) {
			try { fn(payload); } catch (e) { console.error(`parley: '${event}' handler threw`, e); }
		}
	}

	// ---- public API -------------------------------------------------------

	async join(opts = {}) {
		if (this.state !== 'idle' && this.state !== 'closed')
			throw new ParleyError('out_of_order', 'already joined or joining');
		const audio = opts.audio ?? true;
		const video = opts.video ?? true;
		this.state = 'joining';
		this.roomName = opts.room;
		this.name = opts.name ?? '';
		this._reset();
		this.timing.joinStart = now();
		try {
			// Local media, the signaling handshake and the first
			// setRemoteDescription proceed in parallel; the answer waits for
			// the media (_onOffer awaits this._media).
			const media = this._getLocalMedia(opts, audio, video);
			media.catch(() => {});
			this._media = media;
			this._createPeerConnection();
			await this._openSocket();
			const joined = new Promise((resolve, reject) => { this._joinWaiter = { resolve, reject }; });
			const msg = { type: 'join', room: opts.room, name: this.name };
			if (opts.token != null) msg.token = opts.token;
			this._send(msg);
			await Promise.all([joined, media]);
			return this;
		} catch (err) {
			if (this.state === 'joined') this._send({ type: 'leave' });
			this._teardown();
			throw err;
		}
	}

	// Tracks added with addTrack before the first offer are bound by
	// setRemoteDescription to the first audio and video m-sections (JSEP
	// 5.10), i.e. mids 0 and 1, which saves two replaceTrack round trips on
	// the way to the first answer when the media was ready before the offer.
	// _onOffer checks and corrects the binding.
	_preattachLocalTracks() {
		const pc = this._pc;
		if (!pc || pc.remoteDescription || pc.getSenders().length) return;
		for (const kind of ['audio', 'video']) {
			const track = this._localTrack(kind);
			if (track) pc.addTrack(track, this.localStream);
		}
	}

	async _getLocalMedia(opts, audio, video) {
		if (opts.stream) {
			this.localStream = opts.stream;
			this._ownStream = false;
		} else if (audio || video) {
			const stream = await navigator.mediaDevices.getUserMedia({ audio, video });
			if (this.state === 'closed') { for (const t of stream.getTracks()) t.stop(); return; }
			this.localStream = stream;
			this._ownStream = true;
		} else {
			this.localStream = new MediaStream();
			this._ownStream = false;
		}
		this.timing.localMedia = now();
		this._applyMuteToTracks();
	}

	setMicrophoneMuted(muted) { this._setMuted('audio', muted); }
	setCameraMuted(muted) { this._setMuted('video', muted); }

	// Sends `leave`, waits (briefly) for the server's `bye`, then closes everything.
	async leave() {
		if (this.state === 'idle' || this.state === 'closed') return;
		const ws = this._ws;
		if (ws && ws.readyState === WebSocket.OPEN) {
			const closed = new Promise((resolve) => this._closeWaiters.push(resolve));
			this._send({ type: 'leave' });
			this.signalingState = 'closing';
			await Promise.race([closed, new Promise((r) => setTimeout(r, 1500))]);
		}
		this._teardown();
	}

	// ---- data channels (data_channels.js) ---------------------------------

	// Sends `data` to the room (or to `to`). Returns the number of bytes
	// queued. Throws only for misuse (not in a room, bad data type, message
	// larger than the negotiated maximum), never because buffers are full.
	send(data, opts = {}) {
		return this._data.send(data, opts);
	}

	// Per-channel counters as plain JSON (outgoing and incoming channels).
	dataStats() {
		return this._data.stats();
	}

	// Bytes not yet handed to the network: JS queues plus bufferedAmount.
	dataBuffered() {
		return this._data.buffered();
	}

	// The raw RTCStatsReport of the peer connection.
	getStats() {
		return this._pc ? this._pc.getStats() : Promise.resolve(new Map());
	}

	// Per-participant receive stats plus local send stats, as plain JSON:
	// {participants: {id: {name, audio: {...inbound-rtp}, video: {...}}}, local: {audio, video}}
	async statsSummary() {
		const out = { id: this.id, state: this.state, connectionState: this.connectionState,
			participants: {}, local: {} };
		const pc = this._pc;
		if (!pc) return out;
		const tx = pc.getTransceivers();
		for (const [mid, info] of this.remoteTracks) {
			const t = tx.find((x) => x.mid === mid);
			if (!t) continue;
			const p = this.participants.get(info.participantId);
			const entry = out.participants[info.participantId] ||= { name: p ? p.name : null };
			const report = await t.receiver.getStats();
			for (const s of report.values()) {
				if (s.type !== 'inbound-rtp') continue;
				entry[info.kind] = pick(s, ['mid', 'ssrc', 'packetsReceived', 'packetsLost', 'bytesReceived',
					'framesDecoded', 'framesReceived', 'keyFramesDecoded', 'frameWidth', 'frameHeight',
					'framesPerSecond', 'totalAudioEnergy', 'audioLevel', 'totalSamplesReceived',
					'concealedSamples', 'jitter', 'nackCount', 'pliCount', 'firCount']);
				entry[info.kind].timestamp = s.timestamp;
			}
		}
		for (const kind of ['audio', 'video']) {
			const t = tx.find((x) => x.mid === PUBLISH_MIDS[kind]);
			if (!t) continue;
			const report = await t.sender.getStats();
			for (const s of report.values()) {
				if (s.type === 'outbound-rtp')
					out.local[kind] = pick(s, ['packetsSent', 'bytesSent', 'framesEncoded', 'keyFramesEncoded', 'pliCount', 'frameWidth', 'frameHeight']);
			}
		}
		return out;
	}

	// ---- signaling socket -------------------------------------------------

	_openSocket() {
		return new Promise((resolve, reject) => {
			let ws;
			try { ws = new WebSocket(this.url); } catch (e) { reject(e); return; }
			this._ws = ws;
			this._setSignaling('connecting');
			let opened = false;
			ws.onopen = () => { opened = true; this._setSignaling('open'); resolve(); };
			ws.onerror = () => {
				if (!opened) reject(new ParleyError('connection_failed', `cannot connect to ${this.url}`));
			};
			ws.onclose = (ev) => {
				if (this._ws !== ws) return;
				this._setSignaling('closed');
				if (!opened) { reject(new ParleyError('connection_failed', `cannot connect to ${this.url}`)); return; }
				this._onSocketClosed(ev);
			};
			ws.onmessage = (ev) => this._onMessage(ev.data);
		});
	}

	_send(obj) {
		const ws = this._ws;
		if (!ws || ws.readyState !== WebSocket.OPEN) return false;
		ws.send(JSON.stringify(obj));
		return true;
	}

	_onSocketClosed(ev) {
		const waiters = this._closeWaiters.splice(0);
		for (const w of waiters) w();
		if (this._joinWaiter) {
			this._joinWaiter.reject(new ParleyError('connection_lost',
				`signaling closed before join completed (code ${ev.code})`));
			this._joinWaiter = null;
		}
		if (this.state === 'joined' && !this._byeSeen) {
			this._emit('error', { code: 'connection_lost', message: `signaling connection closed (code ${ev.code})` });
			this._emit('bye', { reason: 'disconnected' });
		}
		this._teardown();
	}

	_onMessage(data) {
		let msg;
		try { msg = JSON.parse(data); } catch {
			console.warn('parley: non-JSON message from server', data);
			return;
		}
		if (!msg || typeof msg.type !== 'string') return;
		switch (msg.type) {
		case 'joined': return this._onJoined(msg);
		case 'offer':
			this._enqueue(() => this._onOffer(msg));
			return;
		case 'candidate':
			this._enqueue(() => this._onRemoteCandidate(msg.candidate));
			return;
		case 'participant_joined': return this._onParticipantJoined(msg.participant);
		case 'participant_left': return this._onParticipantLeft(msg);
		case 'muted': return this._onMuted(msg);
		case 'active_speaker': {
			const id = String(msg.id);
			this.activeSpeaker = id;
			return this._emit('active_speaker', { id, participant: this.participants.get(id) || null });
		}
		case 'error': return this._onError(msg);
		case 'bye':
			this._byeSeen = true;
			this._emit('bye', { reason: msg.reason });
			return;
		default:
			console.warn('parley: unknown message type', msg.type);
		}
	}

	_onJoined(msg) {
		this.id = String(msg.id);
		this.timing.joined = now();
		this.roomName = msg.room ?? this.roomName;
		this.state = 'joined';
		for (const p of msg.participants || []) {
			const part = this._participant(p.id);
			Object.assign(part, { name: p.name ?? part.name, audio_muted: !!p.audio_muted, video_muted: !!p.video_muted });
			this._emit('participant_joined', { participant: part, existing: true });
		}
		if (this._joinWaiter) { this._joinWaiter.resolve(); this._joinWaiter = null; }
	}

	_onError(msg) {
		const err = { code: msg.code, message: msg.message, ref: msg.ref };
		if (this._joinWaiter && (msg.ref === 'join' || this.state === 'joining')) {
			this._joinWaiter.reject(new ParleyError(msg.code, msg.message, msg.ref));
			this._joinWaiter = null;
		}
		this._emit('error', err);
	}

	_participant(rawId) {
		const id = String(rawId);
		let p = this.participants.get(id);
		if (!p) {
			p = { id, name: '', audio_muted: false, video_muted: false, stream: null, tracks: {} };
			this.participants.set(id, p);
		}
		return p;
	}

	_onParticipantJoined(info) {
		if (!info || info.id == null) return;
		const p = this._participant(info.id);
		Object.assign(p, { name: info.name ?? p.name, audio_muted: !!info.audio_muted, video_muted: !!info.video_muted });
		this._emit('participant_joined', { participant: p, existing: false });
	}

	_onParticipantLeft(msg) {
		const id = String(msg.id);
		const p = this.participants.get(id) || { id, name: '', stream: null, tracks: {} };
		this.participants.delete(id);
		this._emit('participant_left', { participant: p, id, reason: msg.reason });
	}

	_onMuted(msg) {
		const id = String(msg.id);
		const p = this.participants.get(id) || null;
		const key = msg.kind === 'audio' ? 'audio_muted' : 'video_muted';
		const by = msg.by === 'server' ? 'server' : 'participant';
		const self = id === this.id;
		if (p) p[key] = !!msg.muted;
		if (self && by === 'server') {
			this.serverMuted[msg.kind === 'audio' ? 'audio' : 'video'] = !!msg.muted;
			this._applyMuteToTracks();
		}
		this._emit('muted', { participant: p, id, kind: msg.kind, muted: !!msg.muted, by, self });
	}

	// ---- offer / answer ---------------------------------------------------

	_enqueue(fn) {
		this._chain = this._chain.then(fn).catch((e) => {
			if (this.state === 'closed') return; // torn down mid-negotiation
			console.error('parley: negotiation step failed', e);
			this._emit('error', { code: 'client_negotiation', message: String(e && e.message || e) });
		});
	}

	async _onOffer(msg) {
		const pc = this._pc;
		if (!pc || pc.signalingState === 'closed') return;
		this.lastOffer = msg;
		this.timing.firstOffer ??= now();
		if (this.localStream) this._preattachLocalTracks();
		await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
		await this._flushRemoteCandidates();
		try { await this._media; } catch { return; } // join() reports it
		if (this._pc !== pc) return;

		const publishing = [];
		for (const t of pc.getTransceivers()) {
			if (t.mid !== PUBLISH_MIDS.audio && t.mid !== PUBLISH_MIDS.video) {
				// A pre-attached track bound to the wrong m-section: take it back.
				if (t.mid != null && t.sender.track) {
					publishing.push(t.sender.replaceTrack(null));
					t.direction = 'recvonly';
				}
				continue;
			}
			const kind = t.mid === PUBLISH_MIDS.audio ? 'audio' : 'video';
			const track = this._localTrack(kind);
			if (t.sender.track !== track) publishing.push(t.sender.replaceTrack(track));
			if (track && this.localStream && t.sender.setStreams) t.sender.setStreams(this.localStream);
			t.direction = track ? 'sendonly' : 'inactive';
		}
		await Promise.all(publishing);

		const next = this._mapOfferTracks(msg);
		const answer = await pc.createAnswer();
		await pc.setLocalDescription(answer);
		if (this._pc !== pc) return;
		this._send({ type: 'answer', sdp: pc.localDescription.sdp });
		this.offersHandled++;
		this.timing.firstAnswer ??= now();
		if (!this._answered) {
			this._answered = true;
			for (const c of this._pendingLocal.splice(0)) this._send({ type: 'candidate', candidate: c });
			this._data.openPending();
		}
		this._applyTrackChanges(next);
	}

	// mid -> {participantId, kind, msidTrack} for every m-section that the
	// server sends on in this offer (other than our own publishing sections).
	// The offer's `tracks` list is authoritative: receive sections need not
	// start at any particular mid (mid 2 is the m=application section).
	// Only without a `tracks` list does a section's msid name the publisher.
	_mapOfferTracks(msg) {
		const hasList = Array.isArray(msg.tracks);
		const listed = new Map();
		for (const t of msg.tracks || []) if (t && t.mid != null) listed.set(String(t.mid), t);
		const next = new Map();
		for (const m of parseMediaSections(msg.sdp)) {
			if (m.kind !== 'audio' && m.kind !== 'video') continue;
			if (m.mid == null || m.mid === PUBLISH_MIDS.audio || m.mid === PUBLISH_MIDS.video) continue;
			if (m.rejected || (m.direction !== 'sendonly' && m.direction !== 'sendrecv')) continue;
			const info = listed.get(m.mid);
			if (hasList && !info) continue;
			let pid = info && info.participant != null ? String(info.participant) : (m.msid && m.msid.stream);
			if (!pid || pid === '-') continue;
			next.set(m.mid, { participantId: pid, kind: (info && info.kind) || m.kind,
				msidTrack: m.msid ? m.msid.track : null });
		}
		return next;
	}

	_applyTrackChanges(next) {
		const pc = this._pc;
		const touched = new Set();
		const ended = [];
		for (const [mid, cur] of this.remoteTracks) {
			const n = next.get(mid);
			if (n && n.participantId === cur.participantId && n.kind === cur.kind && n.msidTrack === cur.msidTrack) continue;
			this.remoteTracks.delete(mid);
			const p = this.participants.get(cur.participantId);
			if (p && p.tracks[cur.kind] === cur.track) { delete p.tracks[cur.kind]; touched.add(p); }
			ended.push({ participant: p || { id: cur.participantId, name: '', stream: null, tracks: {} },
				track: cur.track, kind: cur.kind, mid });
		}
		const added = [];
		for (const [mid, n] of next) {
			if (this.remoteTracks.has(mid)) continue;
			const t = pc.getTransceivers().find((x) => x.mid === mid);
			if (!t) continue;
			const track = t.receiver.track;
			const entry = { ...n, track };
			this.remoteTracks.set(mid, entry);
			const p = this._participant(n.participantId);
			p.tracks[n.kind] = track;
			touched.add(p);
			added.push({ participant: p, track, kind: n.kind, mid });
		}
		// A fresh MediaStream per change, so a media element given the new
		// stream always (re)loads exactly the participant's current tracks.
		for (const p of touched) {
			const tracks = Object.values(p.tracks);
			p.stream = tracks.length ? new MediaStream(tracks) : null;
		}
		for (const e of ended) this._emit('track_ended', { ...e, stream: e.participant.stream });
		for (const a of added) this._emit('track', { ...a, stream: a.participant.stream });
	}

	// ---- ICE candidates ---------------------------------------------------

	async _onRemoteCandidate(c) {
		const pc = this._pc;
		if (!pc || pc.signalingState === 'closed') return;
		if (!pc.remoteDescription) { this._pendingRemote.push(c); return; }
		await this._addRemoteCandidate(c);
	}

	async _flushRemoteCandidates() {
		for (const c of this._pendingRemote.splice(0)) await this._addRemoteCandidate(c);
	}

	async _addRemoteCandidate(c) {
		const pc = this._pc;
		try {
			if (!c || !c.candidate) {
				await pc.addIceCandidate();
				return;
			}
			const init = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
			if (init.sdpMid == null && init.sdpMLineIndex == null) init.sdpMLineIndex = 0;
			await pc.addIceCandidate(init);
		} catch (e) {
			console.warn('parley: remote candidate rejected', c, e);
		}
	}

	_onLocalCandidate(ev) {
		let c;
		if (!ev.candidate) {
			if (this._sentEoc) return;
			this._sentEoc = true;
			c = null;
		} else {
			if (!ev.candidate.candidate) return; // end of one generation; the null follows
			c = { candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid,
				sdpMLineIndex: ev.candidate.sdpMLineIndex };
		}
		if (!this._answered) this._pendingLocal.push(c);
		else this._send({ type: 'candidate', candidate: c });
	}

	// ---- peer connection --------------------------------------------------

	_createPeerConnection() {
		const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...this.rtcConfig });
		this._pc = pc;
		pc.onicecandidate = (ev) => this._onLocalCandidate(ev);
		pc.onconnectionstatechange = () => {
			this.connectionState = pc.connectionState;
			if (pc.connectionState === 'connected') this.timing.connected ??= now();
			this._emitState();
		};
		pc.oniceconnectionstatechange = () => { this.iceConnectionState = pc.iceConnectionState; this._emitState(); };
		pc.ondatachannel = (ev) => this._data.onRemoteChannel(ev.channel);
	}

	get peerConnection() { return this._pc; }

	_setSignaling(s) { this.signalingState = s; this._emitState(); }

	_emitState() {
		this._emit('connection_state', { state: this.connectionState, ice: this.iceConnectionState,
			signaling: this.signalingState });
	}

	// ---- local media ------------------------------------------------------

	_localTrack(kind) {
		if (!this.localStream) return null;
		const list = kind === 'audio' ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks();
		return list.find((t) => t.readyState === 'live') || null;
	}

	_applyMuteToTracks() {
		if (!this.localStream) return;
		for (const t of this.localStream.getAudioTracks()) t.enabled = !this.audioMuted && !this.serverMuted.audio;
		for (const t of this.localStream.getVideoTracks()) t.enabled = !this.videoMuted && !this.serverMuted.video;
	}

	_setMuted(kind, muted) {
		muted = !!muted;
		if (kind === 'audio') this.audioMuted = muted; else this.videoMuted = muted;
		this._applyMuteToTracks();
		if (this.state === 'joined') this._send({ type: 'mute', kind, muted });
	}

	// ---- teardown ---------------------------------------------------------

	_reset() {
		this.id = null;
		this.serverMuted = { audio: false, video: false };
		this.participants = new Map();
		this.remoteTracks = new Map();
		this.activeSpeaker = null;
		this.localStream = null;
		this._chain = Promise.resolve();
		this._media = Promise.resolve();
		this._pendingRemote = [];
		this._pendingLocal = [];
		this._answered = false;
		this._sentEoc = false;
		this._byeSeen = false;
		this.offersHandled = 0;
		this.timing = {};
		this._data = new DataChannels(this);
	}

	_teardown() {
		if (this.state === 'closed' && !this._ws && !this._pc) return;
		const ws = this._ws;
		this._ws = null;
		if (ws) {
			ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
			if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
		}
		const waiters = this._closeWaiters.splice(0);
		for (const w of waiters) w();
		if (this._joinWaiter) {
			this._joinWaiter.reject(new ParleyError('closed', 'room closed before join completed'));
			this._joinWaiter = null;
		}
		const pc = this._pc;
		this._pc = null;
		this._data.close();
		if (pc) {
			pc.onicecandidate = pc.onconnectionstatechange = pc.oniceconnectionstatechange = pc.ondatachannel = null;
			pc.close();
		}
		for (const [mid, cur] of this.remoteTracks) {
			const p = this.participants.get(cur.participantId);
			this._emit('track_ended', { participant: p || { id: cur.participantId, name: '', stream: null, tracks: {} },
				track: cur.track, kind: cur.kind, mid, stream: p ? p.stream : null });
		}
		this.remoteTracks = new Map();
		if (this._ownStream && this.localStream) for (const t of this.localStream.getTracks()) t.stop();
		this.state = 'closed';
		this.connectionState = 'closed';
		this.iceConnectionState = 'closed';
		this.signalingState = 'closed';
		this._emitState();
	}
}

function now() {
	return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function pick(obj, keys) {
	const out = {};
	for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
	return out;
}

if (typeof window !== 'undefined') window.ParleyRoom = ParleyRoom;
