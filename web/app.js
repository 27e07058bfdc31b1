// app.js: the Parley conference page (index.html) on top of parley.js.
//
// URL parameters: room, name, token, autojoin=1, audio=0, video=0,
// res=WIDTHxHEIGHT and fps=N (camera constraints).
//
// For tests and debugging, window.parley exposes the state:
//   window.parley.state            idle | joining | joined | left | error
//   window.parley.room             the ParleyRoom (also window.parleyRoom)
//   window.parley.stats()          per-participant receive stats (ParleyRoom.statsSummary)
//   window.parley.timing           {joinStart, joined} in performance.now() ms
//   window.parley.log              recent events [{t, event, ...}]
//   window.parley.join() / leave()
//   window.parley.chat              [{from, name, text, ts, self}] messages shown
//   window.parley.sendChat(text)    what the Send button does
//
// Chat rides on data channels (label 'chat', reliable): each message is JSON
// {text, ts}; the sender's name comes from the room's participant list (the
// relayed channel's protocol is the sender's id), not from the message.

import { ParleyRoom } from './parley.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const ui = {
	joinView: $('join-view'), callView: $('call-view'), form: $('join-form'),
	roomInput: $('room-input'), nameInput: $('name-input'),
	audioCheck: $('join-audio'), videoCheck: $('join-video'),
	joinButton: $('join-button'), joinStatus: $('join-status'),
	grid: $('grid'), localTile: $('local-tile'), localVideo: $('local-video'), localName: $('local-name'),
	mic: $('mic-button'), cam: $('camera-button'), leave: $('leave-button'),
	conn: $('connection-state'), roomLabel: $('room-label'),
	error: $('error'), errorText: $('error-text'), errorClose: $('error-close'),
	audioUnlock: $('audio-unlock'),
	chatPanel: $('chat-panel'), chatList: $('chat-messages'), chatForm: $('chat-form'),
	chatInput: $('chat-input'), chatSend: $('chat-send'), chatToggle: $('chat-toggle'),
	chatClose: $('chat-close'), chatUnread: $('chat-unread'),
};

const parley = {
	state: 'idle', room: null, timing: {}, log: [],
	join: (opts) => join(opts), leave: () => leave(),
	chat: [], sendChat: (text) => sendChat(text),
	stats: () => (parley.room ? parley.room.statsSummary() : Promise.resolve(null)),
	// What each remote tile shows, including whether its media element really
	// plays (decoded frames that never reach the element leave readyState 0).
	tiles: () => [...ui.grid.querySelectorAll('.tile.remote')].map((t) => {
		const v = t.querySelector('video');
		return {
			id: t.dataset.participantId, name: t.querySelector('.tile-name').textContent,
			audioMuted: t.dataset.audioMuted === 'true', videoMuted: t.dataset.videoMuted === 'true',
			activeSpeaker: t.classList.contains('active-speaker'),
			hasAudio: t.dataset.hasAudio === 'true', hasVideo: t.dataset.hasVideo === 'true',
			muted: v.muted, paused: v.paused, readyState: v.readyState,
			videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime,
		};
	}),
};
window.parley = parley;

function record(event, data = {}) {
	parley.log.push({ t: performance.now(), event, ...data });
	if (parley.log.length > 500) parley.log.splice(0, parley.log.length - 500);
}

function setState(s) {
	parley.state = s;
	document.body.dataset.state = s;
}

// ---- errors ---------------------------------------------------------------

let errorTimer = null;
function showError(text) {
	ui.errorText.textContent = text;
	ui.error.hidden = false;
	clearTimeout(errorTimer);
	errorTimer = setTimeout(() => { ui.error.hidden = true; }, 8000);
}
ui.errorClose.addEventListener('click', () => { ui.error.hidden = true; });

// ---- connection indicator -------------------------------------------------

const CONN_LABELS = {
	idle: 'Not connected', connecting: 'Connecting…', new: 'Connecting…', connected: 'Connected',
	disconnected: 'Reconnecting…', failed: 'Connection failed', closed: 'Disconnected',
};
function showConnection(state) {
	ui.conn.dataset.state = state;
	ui.conn.querySelector('.conn-label').textContent = CONN_LABELS[state] || state;
}
function connectionSummary({ state, signaling }) {
	if (signaling === 'closed' && parley.state !== 'joining') return 'closed';
	if (signaling === 'connecting') return 'connecting';
	if (state === 'new' || state === 'connecting') return 'connecting';
	return state;
}

// ---- tiles ----------------------------------------------------------------

function tileFor(id) {
	return ui.grid.querySelector(`.tile.remote[data-participant-id="${CSS.escape(id)}"]`);
}

function ensureTile(p) {
	let tile = tileFor(p.id);
	if (!tile) {
		tile = document.createElement('div');
		tile.className = 'tile remote';
		tile.dataset.participantId = p.id;
		tile.dataset.hasVideo = 'false';
		tile.innerHTML = `
			<video class="tile-video remote-video" autoplay playsinline></video>
			<div class="avatar" aria-hidden="true"></div>
			<div class="tile-label">
				<span class="tile-name"></span>
				<span class="indicator mic-off" title="Microphone muted" aria-label="Microphone muted"></span>
				<span class="indicator cam-off" title="Camera off" aria-label="Camera off"></span>
			</div>`;
		ui.grid.appendChild(tile);
		updateGridCount();
	}
	updateTile(tile, p);
	return tile;
}

function updateTile(tile, p) {
	const name = p.name || 'Guest';
	tile.querySelector('.tile-name').textContent = name;
	tile.querySelector('.avatar').dataset.initial = name.trim().charAt(0).toUpperCase() || '?';
	tile.dataset.audioMuted = String(!!p.audio_muted);
	tile.dataset.videoMuted = String(!!p.video_muted);
	tile.classList.toggle('active-speaker', parley.room && parley.room.activeSpeaker === p.id);
}

function attachStream(tile, p) {
	const video = tile.querySelector('video');
	const stream = p.stream;
	tile.dataset.hasVideo = String(!!(stream && stream.getVideoTracks().length));
	tile.dataset.hasAudio = String(!!(stream && stream.getAudioTracks().length));
	if (video.srcObject === stream) return;
	video.srcObject = stream;
	if (stream) playWithSound(video);
}

function playWithSound(video) {
	const p = video.play();
	if (p && p.catch) {
		p.catch((e) => {
			if (e && e.name === 'NotAllowedError') ui.audioUnlock.hidden = false;
		});
	}
}

ui.audioUnlock.addEventListener('click', () => {
	ui.audioUnlock.hidden = true;
	for (const v of ui.grid.querySelectorAll('video.remote-video')) playWithSound(v);
});

function removeTile(id) {
	const tile = tileFor(id);
	if (!tile) return;
	const video = tile.querySelector('video');
	video.srcObject = null;
	tile.remove();
	updateGridCount();
}

// Picks the column count and tile width that make n 16:10 tiles as large as
// the grid allows.
function updateGridCount() {
	const n = ui.grid.querySelectorAll('.tile').length;
	ui.grid.dataset.count = String(n);
	const gap = 14;
	const W = ui.grid.clientWidth - 12, H = ui.grid.clientHeight - 12; // less the padding
	if (!W || !H) return;
	let best = { w: 0, cols: 1 };
	for (let cols = 1; cols <= n; cols++) {
		const rows = Math.ceil(n / cols);
		const w = Math.min((W - gap * (cols - 1)) / cols, ((H - gap * (rows - 1)) / rows) * 1.6);
		if (w > best.w) best = { w, cols };
	}
	ui.grid.style.gridTemplateColumns = `repeat(${best.cols}, ${Math.floor(Math.max(best.w, 160))}px)`;
}
window.addEventListener('resize', updateGridCount);

function updateLocalTile() {
	const room = parley.room;
	ui.localTile.dataset.audioMuted = String(!!(room && room.audioMuted));
	ui.localTile.dataset.videoMuted = String(!!(room && room.videoMuted));
	ui.localTile.dataset.hasVideo = String(!!(room && room.localStream && room.localStream.getVideoTracks().length));
	ui.localTile.classList.toggle('active-speaker', !!(room && room.id && room.activeSpeaker === room.id));
	const name = (room && room.name) || 'You';
	ui.localName.textContent = `${name} (you)`;
	ui.localTile.querySelector('.avatar').dataset.initial = name.trim().charAt(0).toUpperCase() || '?';
	setToggle(ui.mic, !!(room && room.audioMuted), 'Unmute', 'Mute');
	setToggle(ui.cam, !!(room && room.videoMuted), 'Start video', 'Stop video');
	const hasAudio = !!(room && room.localStream && room.localStream.getAudioTracks().length);
	const hasVideo = !!(room && room.localStream && room.localStream.getVideoTracks().length);
	ui.mic.disabled = !hasAudio;
	ui.cam.disabled = !hasVideo;
}

function setToggle(btn, muted, onLabel, offLabel) {
	btn.dataset.muted = String(muted);
	btn.setAttribute('aria-pressed', String(muted));
	btn.querySelector('.ctl-label').textContent = muted ? onLabel : offLabel;
}

// ---- chat -----------------------------------------------------------------

const CHAT_LABEL = 'chat';
const CHAT_MAX = 2000; // characters per message
let chatUnread = 0;

function chatCollapsed() { return ui.chatPanel.dataset.collapsed === 'true'; }

function setChatCollapsed(collapsed) {
	ui.chatPanel.dataset.collapsed = String(collapsed);
	ui.chatToggle.setAttribute('aria-pressed', String(!collapsed));
	if (!collapsed) {
		chatUnread = 0;
		updateUnread();
		ui.chatList.scrollTop = ui.chatList.scrollHeight;
	}
	updateGridCount();
}

function updateUnread() {
	ui.chatUnread.textContent = chatUnread > 99 ? '99+' : String(chatUnread);
	ui.chatUnread.hidden = chatUnread === 0;
}

function fmtTime(ts) {
	const d = new Date(ts);
	return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function addChatMessage({ from, name, text, ts, self = false, system = false }) {
	parley.chat.push({ from, name, text, ts, self });
	if (parley.chat.length > 500) parley.chat.splice(0, parley.chat.length - 500);
	const li = document.createElement('li');
	li.className = 'chat-message' + (self ? ' self' : '') + (system ? ' system' : '');
	if (from) li.dataset.from = from;
	const meta = document.createElement('div');
	meta.className = 'chat-meta';
	const who = document.createElement('span');
	who.className = 'chat-sender';
	who.textContent = self ? `${name} (you)` : name;
	const when = document.createElement('time');
	when.className = 'chat-time';
	when.dateTime = new Date(ts).toISOString();
	when.textContent = fmtTime(ts);
	meta.append(who, when);
	const body = document.createElement('div');
	body.className = 'chat-text';
	body.textContent = text;
	li.append(meta, body);
	const atBottom = ui.chatList.scrollHeight - ui.chatList.scrollTop - ui.chatList.clientHeight < 40;
	ui.chatList.appendChild(li);
	while (ui.chatList.children.length > 500) ui.chatList.firstElementChild.remove();
	if (atBottom || self) ui.chatList.scrollTop = ui.chatList.scrollHeight;
	if (!self && chatCollapsed()) { chatUnread++; updateUnread(); }
}

function sendChat(text) {
	const room = parley.room;
	text = String(text ?? '').trim().slice(0, CHAT_MAX);
	if (!text || !room || parley.state !== 'joined') return false;
	const ts = Date.now();
	try {
		room.send(JSON.stringify({ text, ts }), { label: CHAT_LABEL });
	} catch (e) {
		showError(`Could not send the message: ${e.message || e}`);
		return false;
	}
	record('chat_sent', { length: text.length });
	addChatMessage({ from: room.id, name: room.name || 'You', text, ts, self: true });
	return true;
}

function onChatData({ from, participant, data, binary }) {
	if (binary) return;
	let msg;
	try { msg = JSON.parse(data); } catch { return; }
	if (!msg || typeof msg.text !== 'string') return;
	const text = msg.text.slice(0, CHAT_MAX);
	if (!text) return;
	const p = participant || (from && parley.room && parley.room.participants.get(from));
	// Show the receive time: the sender's clock is not ours.
	const ts = Date.now();
	record('chat_received', { from });
	addChatMessage({ from, name: (p && p.name) || 'Guest', text, ts });
}

function clearChat() {
	parley.chat = [];
	ui.chatList.replaceChildren();
	chatUnread = 0;
	updateUnread();
}

ui.chatForm.addEventListener('submit', (e) => {
	e.preventDefault();
	if (sendChat(ui.chatInput.value)) ui.chatInput.value = '';
	ui.chatInput.focus();
});
ui.chatToggle.addEventListener('click', () => setChatCollapsed(!chatCollapsed()));
ui.chatClose.addEventListener('click', () => setChatCollapsed(true));

// ---- join / leave ---------------------------------------------------------

function mediaConstraints(enabled, kind) {
	if (!enabled) return false;
	if (kind !== 'video') return true;
	const c = {};
	const res = /^(\d+)x(\d+)$/.exec(params.get('res') || '');
	if (res) { c.width = { ideal: Number(res[1]) }; c.height = { ideal: Number(res[2]) }; }
	else { c.width = { ideal: 640 }; c.height = { ideal: 360 }; }
	if (params.get('fps')) c.frameRate = { ideal: Number(params.get('fps')) };
	return c;
}

function wireRoom(room) {
	room.on('participant_joined', ({ participant }) => {
		record('participant_joined', { id: participant.id, name: participant.name });
		ensureTile(participant);
	});
	room.on('participant_left', ({ id, reason }) => {
		record('participant_left', { id, reason });
		removeTile(id);
	});
	room.on('track', ({ participant, kind, mid }) => {
		record('track', { id: participant.id, kind, mid });
		attachStream(ensureTile(participant), participant);
	});
	room.on('track_ended', ({ participant, kind, mid }) => {
		record('track_ended', { id: participant.id, kind, mid });
		const tile = tileFor(participant.id);
		if (tile) attachStream(tile, participant);
	});
	room.on('muted', ({ participant, id, kind, muted, by, self }) => {
		record('muted', { id, kind, muted, by });
		if (self) {
			if (by === 'server') showError(muted ? `The moderator muted your ${kind === 'audio' ? 'microphone' : 'camera'}.`
				: `The moderator allowed your ${kind === 'audio' ? 'microphone' : 'camera'} again.`);
			updateLocalTile();
			return;
		}
		if (participant) { const tile = tileFor(id); if (tile) updateTile(tile, participant); }
	});
	room.on('active_speaker', ({ id }) => {
		record('active_speaker', { id });
		for (const t of ui.grid.querySelectorAll('.tile.remote'))
			t.classList.toggle('active-speaker', t.dataset.participantId === id);
		updateLocalTile();
	});
	room.on('data', (ev) => {
		if (ev.label === CHAT_LABEL) onChatData(ev);
	});
	room.on('channel_close', (c) => record('channel_close', c));
	room.on('connection_state', (s) => {
		record('connection_state', s);
		showConnection(connectionSummary(s));
	});
	room.on('error', (e) => {
		record('error', e);
		showError(`${e.message || e.code}${e.code && e.message ? ` (${e.code})` : ''}`);
	});
	room.on('bye', ({ reason }) => {
		record('bye', { reason });
		const why = {
			server_shutdown: 'The server is shutting down.',
			disconnected: 'Lost the connection to the server.',
			removed: 'You were removed from the room.',
			room_deleted: 'The room was closed.',
		};
		if (reason !== 'left') showError(why[reason] || `Disconnected (${reason}).`);
		if (parley.state === 'joined') showJoinView('left');
	});
}

async function join(opts = {}) {
	if (parley.state === 'joining' || parley.state === 'joined') return;
	const roomName = opts.room ?? ui.roomInput.value.trim();
	const name = opts.name ?? ui.nameInput.value.trim();
	const audio = opts.audio ?? ui.audioCheck.checked;
	const video = opts.video ?? ui.videoCheck.checked;
	const token = opts.token ?? params.get('token') ?? undefined;
	const room = new ParleyRoom(opts.url ? { url: opts.url } : {});
	parley.room = room;
	window.parleyRoom = room;
	wireRoom(room);
	clearChat();
	setState('joining');
	parley.timing = { joinStart: performance.now() };
	record('join_start', { room: roomName, name });
	ui.joinButton.disabled = true;
	ui.joinStatus.textContent = 'Joining…';
	showConnection('connecting');
	try {
		await room.join({ room: roomName, name, token, audio: mediaConstraints(audio, 'audio'),
			video: mediaConstraints(video, 'video') });
	} catch (e) {
		record('join_failed', { code: e.code, message: e.message });
		setState('error');
		ui.joinButton.disabled = false;
		ui.joinStatus.textContent = '';
		showConnection('idle');
		showError(`Could not join: ${e.message || e}${e.code ? ` (${e.code})` : ''}`);
		return;
	}
	parley.timing.joined = performance.now();
	record('joined', { id: room.id });
	setState('joined');
	const url = new URL(location.href);
	url.searchParams.set('room', roomName);
	url.searchParams.set('name', name);
	url.searchParams.delete('autojoin');
	history.replaceState(null, '', url);
	ui.localVideo.srcObject = room.localStream;
	ui.localVideo.play().catch(() => {});
	ui.roomLabel.textContent = `# ${room.roomName}`;
	ui.roomLabel.hidden = false;
	ui.joinView.hidden = true;
	ui.callView.hidden = false;
	if (window.matchMedia && window.matchMedia('(max-width: 600px)').matches) setChatCollapsed(true);
	updateGridCount();
	ui.joinButton.disabled = false;
	ui.joinStatus.textContent = '';
	updateLocalTile();
}

async function leave() {
	const room = parley.room;
	if (!room) return;
	record('leave');
	await room.leave();
	showJoinView('left');
}

function showJoinView(state) {
	setState(state);
	for (const t of [...ui.grid.querySelectorAll('.tile.remote')]) removeTile(t.dataset.participantId);
	ui.localVideo.srcObject = null;
	ui.callView.hidden = true;
	ui.joinView.hidden = false;
	ui.roomLabel.hidden = true;
	ui.audioUnlock.hidden = true;
	showConnection('idle');
}

// ---- controls -------------------------------------------------------------

ui.form.addEventListener('submit', (e) => { e.preventDefault(); join(); });
ui.mic.addEventListener('click', () => {
	const room = parley.room;
	if (!room) return;
	room.setMicrophoneMuted(!room.audioMuted);
	record('local_mute', { kind: 'audio', muted: room.audioMuted });
	updateLocalTile();
});
ui.cam.addEventListener('click', () => {
	const room = parley.room;
	if (!room) return;
	room.setCameraMuted(!room.videoMuted);
	record('local_mute', { kind: 'video', muted: room.videoMuted });
	updateLocalTile();
});
ui.leave.addEventListener('click', () => { leave(); });
window.addEventListener('pagehide', () => { if (parley.room && parley.state === 'joined') parley.room.leave(); });

// ---- start ----------------------------------------------------------------

ui.roomInput.value = params.get('room') || '';
ui.nameInput.value = params.get('name') || '';
if (params.get('audio') === '0') ui.audioCheck.checked = false;
if (params.get('video') === '0') ui.videoCheck.checked = false;
if (params.get('autojoin') === '1' && ui.roomInput.value && ui.nameInput.value) join();
else (ui.roomInput.value ? ui.nameInput : ui.roomInput).focus();
