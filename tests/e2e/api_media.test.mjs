// The room API against real headless Chromium participants: what GET
// participants reports while media flows, /metrics counters moving (and
// accepted by promtool), a server mute stopping the forwarded media and
// an unmute resuming it, a kick, token grants, and deleting a live room.
// At most three pages run at once (a 2-core machine).
// Every HTTP response is checked against docs/openapi.yaml.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openParticipant, waitFor, waitReceivingFrom, stats,
	withArtifacts } from './lib/harness.mjs';
import { Api, parseMetrics, metricSum, promtoolCheck } from './lib/api.mjs';

const KEY = 'media-test-key';
const ROOM = 'media';

let server, browser, api;
let A, B, C, D, E;

before(async () => {
	server = await startServer({ extraArgs: ['--api-key', KEY, '--token-secret', 'media-test-token-secret'] });
	browser = await launchBrowser();
	api = new Api(server, { key: KEY });
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

const guarded = (tag, fn) => withArtifacts(`api-media-${tag}`, server, () => [A, B, C, D, E], fn);

// The first entry of the page's event log (window.parley.log) with these fields.
function waitLogged(p, match, what, timeout = 5000) {
	return waitFor(async () => {
		const log = await p.page.evaluate(() => window.parley.log);
		return log.find((e) => Object.entries(match).every(([k, v]) => e[k] === v));
	}, { timeout, interval: 50, message: `${p.name} to log ${what}` });
}

// Waits until `field` of what p receives from participant `id` (kind audio
// or video) has not changed for `quiet` ms; returns its value.
async function waitStalled(p, id, kind, field, { quiet = 1500, timeout = 10000 } = {}) {
	let last = null, since = 0;
	return waitFor(async () => {
		const s = await stats(p);
		const v = s.participants[id]?.[kind]?.[field] ?? 0;
		if (v !== last) {
			last = v;
			since = Date.now();
			return false;
		}
		return Date.now() - since >= quiet ? { value: v } : false;
	}, { timeout, interval: 250, message: `${p.name}: ${kind} ${field} from ${id} to stop rising` });
}

// Waits until `field` of what p receives from `id` rises between two samples.
async function waitRising(p, id, kind, field, { timeout = 10000 } = {}) {
	let prev = null;
	return waitFor(async () => {
		const v = (await stats(p)).participants[id]?.[kind]?.[field] ?? 0;
		const ok = prev !== null && v > prev;
		prev = v;
		return ok;
	}, { timeout, interval: 300, message: `${p.name}: ${kind} ${field} from ${id} to rise` });
}

const localTracks = (p) => p.page.evaluate(() => {
	const room = window.parley.room;
	const ls = room.localStream;
	return {
		audioEnabled: ls ? ls.getAudioTracks()[0]?.enabled : null,
		videoEnabled: ls ? ls.getVideoTracks()[0]?.enabled : null,
		serverMuted: { ...room.serverMuted },
	};
});

const errorText = (p) => p.page.$eval('#error', (e) => e.textContent);

async function metrics() {
	const text = await api.metricsText();
	return { text, m: parseMetrics(text) };
}

test('GET participants describes two browsers; /metrics moves with the media and passes promtool', { timeout: 120000 },
	() => guarded('describe', async () => {
		await api.createRoom({ name: ROOM });
		const m0 = (await metrics()).m;
		A = await openParticipant(browser, server, { room: ROOM, name: 'A' });
		B = await openParticipant(browser, server, { room: ROOM, name: 'B' });
		await waitReceivingFrom(B, [A], { timeout: 25000 });
		await waitReceivingFrom(A, [B], { timeout: 25000 });

		const t0 = Date.now();
		let people;
		await waitFor(async () => {
			people = await api.participants(ROOM);
			return people.length === 2 && people.every((p) => p.connected && p.rtt_ms !== null && p.tracks.length === 2
				&& p.tracks.every((t) => t.bitrate_bps > 0 && t.packets_received > 0));
		}, { timeout: 15000, interval: 250, message: 'both participants connected, with two flowing tracks and an RTT' })
			.catch((e) => { e.message += `\nlast: ${JSON.stringify(people)}`; throw e; });
		console.log(`# participants showed bitrates and RTT ${Date.now() - t0} ms after media flowed: ${JSON.stringify(people.map((p) => ({ name: p.name, rtt_ms: p.rtt_ms, tracks: p.tracks.map((t) => `${t.kind}/${t.codec} ${t.bitrate_bps} bps lost ${t.packets_lost}`) })))}`);
		const byName = Object.fromEntries(people.map((p) => [p.name, p]));
		for (const [name, page] of [['A', A], ['B', B]]) {
			const p = byName[name];
			assert.equal(p.id, page.id);
			assert.deepEqual([p.kind, p.identity, p.can_publish, p.can_subscribe, p.server_muted],
				['browser', '', true, true, { audio: false, video: false }]);
			assert.ok(Math.abs(p.joined_at - Date.now()) < 120000, 'joined_at is Unix ms');
			const audio = p.tracks.find((t) => t.kind === 'audio'), video = p.tracks.find((t) => t.kind === 'video');
			assert.equal(audio.codec, 'opus');
			assert.ok(['VP8', 'VP9', 'H264', 'AV1'].includes(video.codec), video.codec);
			for (const t of [audio, video]) assert.deepEqual([t.muted, t.server_muted], [false, false]);
			assert.ok(p.rtt_ms >= 0 && p.rtt_ms < 1000, `rtt ${p.rtt_ms}`);
		}
		const room = (await api.get(`/api/v1/rooms/${ROOM}`)).json;
		assert.deepEqual([room.live, room.num_participants, room.participants.length], [true, 2, 2]);

		// Counters move while media flows.
		const m1 = (await metrics()).m;
		for (const name of ['parley_packets_received_total', 'parley_packets_sent_total', 'parley_bytes_received_total',
			'parley_bytes_sent_total'])
			assert.ok(metricSum(m1, name) > metricSum(m0, name), `${name} grew from ${metricSum(m0, name)}`);
		let m2, text2;
		await waitFor(async () => {
			({ m: m2, text: text2 } = await metrics());
			return ['parley_packets_received_total', 'parley_packets_sent_total', 'parley_bytes_received_total',
				'parley_bytes_sent_total'].every((n) => metricSum(m2, n) > metricSum(m1, n));
		}, { timeout: 5000, interval: 250, message: 'media counters to keep rising' });
		assert.equal(m2.parley_participants['{kind="browser"}'], 2);
		assert.equal(m2.parley_rooms_live[''], 1);
		assert.ok(metricSum(m2, 'parley_plis_total') > 0, 'keyframe requests were sent at join');
		assert.ok(m2.process_resident_memory_bytes[''] > 0);
		const pt = await promtoolCheck(text2);
		assert.equal(pt.code, 0, `promtool check metrics: ${pt.output}`);
		console.log(`# metrics while media flows: packets in ${metricSum(m2, 'parley_packets_received_total')}, out ${metricSum(m2, 'parley_packets_sent_total')}; promtool: OK`);
	}));

test('a server mute stops forwarding; the page is told and disables its track; unmute resumes', { timeout: 120000 },
	() => guarded('mute', async () => {
		assert.ok(A && B, 'the first test set up the room');
		const path = `/api/v1/rooms/${ROOM}/participants/${A.id}/mute`;

		// Audio only: B stops receiving A's audio, A's video goes on.
		let r = await api.post(path, { audio: true });
		assert.deepEqual(r.json, { id: A.id, audio: true, video: false });
		await waitLogged(A, { event: 'muted', id: A.id, kind: 'audio', muted: true, by: 'server' }, 'its own server mute');
		await waitLogged(B, { event: 'muted', id: A.id, kind: 'audio', muted: true, by: 'server' }, 'A\'s server mute');
		assert.deepEqual(await localTracks(A), { audioEnabled: false, videoEnabled: true, serverMuted: { audio: true, video: false } });
		assert.match(await errorText(A), /muted your microphone/);
		await waitFor(async () => (await B.page.$eval(`.tile.remote[data-participant-id="${A.id}"]`, (t) => t.dataset.audioMuted)) === 'true',
			{ timeout: 5000, message: 'B to show A\'s microphone muted' });
		const t0 = Date.now();
		const stalled = await waitStalled(B, A.id, 'audio', 'packetsReceived');
		console.log(`# B's audio packets from A stopped at ${stalled.value} (observed ${Date.now() - t0} ms after the mute)`);
		await waitRising(B, A.id, 'video', 'framesDecoded');
		let [pa] = (await api.participants(ROOM)).filter((p) => p.id === A.id);
		assert.deepEqual(pa.server_muted, { audio: true, video: false });
		assert.deepEqual(pa.tracks.find((t) => t.kind === 'audio').server_muted, true);
		assert.deepEqual(pa.tracks.find((t) => t.kind === 'audio').muted, true);

		// Video too: B's frames from A stop. (A keyframe request for the
		// unmute may already be on its way while A is muted: count from here.)
		const plisBefore = metricSum((await metrics()).m, 'parley_plis_total');
		r = await api.post(path, { video: true });
		assert.deepEqual(r.json, { id: A.id, audio: true, video: true });
		await waitLogged(A, { event: 'muted', id: A.id, kind: 'video', muted: true, by: 'server' }, 'its video server mute');
		await waitLogged(B, { event: 'muted', id: A.id, kind: 'video', muted: true, by: 'server' }, 'A\'s video server mute');
		assert.deepEqual(await localTracks(A), { audioEnabled: false, videoEnabled: false, serverMuted: { audio: true, video: true } });
		await waitStalled(B, A.id, 'video', 'framesDecoded');
		await waitStalled(B, A.id, 'video', 'packetsReceived', { quiet: 1000 });
		const audioNow = (await stats(B)).participants[A.id]?.audio?.packetsReceived ?? 0;
		assert.equal(audioNow, stalled.value, 'audio stayed stopped');
		// A's own media does not stop reaching A's peer the other way.
		await waitRising(A, B.id, 'video', 'framesDecoded');

		// Unmute both: everything resumes (video on a keyframe Parley asks for,
		// at the unmute or shortly before).
		const aBefore = (await stats(A)).local.video;
		const bKeysBefore = (await stats(B)).participants[A.id]?.video?.keyFramesDecoded ?? 0;
		r = await api.post(path, { audio: false, video: false });
		assert.deepEqual(r.json, { id: A.id, audio: false, video: false });
		await waitLogged(A, { event: 'muted', id: A.id, kind: 'video', muted: false, by: 'server' }, 'its unmute');
		await waitLogged(B, { event: 'muted', id: A.id, kind: 'audio', muted: false, by: 'server' }, 'A\'s unmute');
		assert.deepEqual(await localTracks(A), { audioEnabled: true, videoEnabled: true, serverMuted: { audio: false, video: false } });
		const t1 = Date.now();
		await waitReceivingFrom(B, [A], { timeout: 15000 });
		const plisAfter = metricSum((await metrics()).m, 'parley_plis_total');
		const aAfter = (await stats(A)).local.video;
		const bKeysAfter = (await stats(B)).participants[A.id]?.video?.keyFramesDecoded ?? 0;
		const keys = `Parley's PLIs ${plisBefore} -> ${plisAfter}; A's PLIs received ${aBefore.pliCount} -> ${
			aAfter.pliCount}, keyframes sent ${aBefore.keyFramesEncoded} -> ${aAfter.keyFramesEncoded}; B's keyframes from A ${
			bKeysBefore} -> ${bKeysAfter}`;
		console.log(`# B receives A's audio and video again ${Date.now() - t1} ms after the unmute; ${keys}`);
		assert.ok(bKeysAfter > bKeysBefore, `B's video resumed on a keyframe: ${keys}`);
		assert.ok(plisAfter > plisBefore, `Parley asked A for that keyframe: ${keys}`);
		[pa] = (await api.participants(ROOM)).filter((p) => p.id === A.id);
		assert.deepEqual(pa.server_muted, { audio: false, video: false });
		server.assertAlive();
	}));

test('a kick: the removed page is told why and stops; the other sees it leave', { timeout: 60000 },
	() => guarded('kick', async () => {
		assert.ok(A && B, 'the first test set up the room');
		const r = await api.del(`/api/v1/rooms/${ROOM}/participants/${A.id}`);
		assert.equal(r.status, 204);
		await waitLogged(A, { event: 'bye', reason: 'removed' }, 'bye removed');
		const a = await waitFor(() => A.page.evaluate(() => {
			const room = window.parley.room;
			const ls = room.localStream;
			return room.state === 'closed' && {
				appState: window.parley.state,
				pc: room._pc,
				tracksEnded: !ls || ls.getTracks().every((t) => t.readyState === 'ended'),
				joinVisible: !document.getElementById('join-view').hidden,
			};
		}), { timeout: 5000, interval: 50, message: 'A to close its session' });
		assert.deepEqual(a, { appState: 'left', pc: null, tracksEnded: true, joinVisible: true });
		assert.match(await errorText(A), /You were removed from the room\./);

		await waitLogged(B, { event: 'participant_left', id: A.id, reason: 'removed' }, 'A leaving');
		await waitFor(async () => {
			const v = await B.page.evaluate((aid) => ({
				tile: !!document.querySelector(`.tile.remote[data-participant-id="${CSS.escape(aid)}"]`),
				tracks: [...window.parley.room.remoteTracks.values()].filter((x) => x.participantId === aid).length,
			}), A.id);
			return !v.tile && v.tracks === 0;
		}, { timeout: 5000, message: 'B to drop A\'s tile and tracks' });
		assert.deepEqual((await api.participants(ROOM)).map((p) => p.id), [B.id]);
		await waitFor(async () => (await metrics()).m.parley_participants['{kind="browser"}'] === 1,
			{ timeout: 5000, message: 'the browser gauge to drop to 1' });
		await A.context.close();
		A = null;
	}));

test('token grants: no-subscribe receives nothing, no-publish sends nothing', { timeout: 150000 },
	() => guarded('grants', async () => {
		assert.ok(B, 'the first test set up the room');
		const deaf = await api.token({ room: ROOM, identity: 'c-id', name: 'C', can_subscribe: false });
		const mute = await api.token({ room: ROOM, identity: 'd-id', name: 'D', can_publish: false });
		C = await openParticipant(browser, server, { room: ROOM, name: 'C', extra: { token: deaf } });
		D = await openParticipant(browser, server, { room: ROOM, name: 'D', extra: { token: mute } });

		// D receives B and C; nobody receives D; D's publishing sections are inactive.
		await waitReceivingFrom(D, [B, C], { timeout: 30000 });
		await waitReceivingFrom(B, [C], { timeout: 15000 });
		const people = Object.fromEntries((await api.participants(ROOM)).map((p) => [p.name, p]));
		assert.deepEqual([people.D.identity, people.D.can_publish, people.D.can_subscribe, people.D.tracks],
			['d-id', false, true, []]);
		assert.deepEqual([people.C.identity, people.C.can_publish, people.C.can_subscribe, people.C.tracks.length],
			['c-id', true, false, 2]);
		const dView = await D.page.evaluate(() => {
			const sdp = window.parley.room._pc.remoteDescription.sdp;
			const dir = (mid) => {
				const sec = sdp.split(/\r\nm=/).find((s) => s.includes(`\r\na=mid:${mid}\r\n`));
				return /\r\na=(sendrecv|sendonly|recvonly|inactive)\r\n/.exec(sec)[1];
			};
			return { audio: dir('0'), video: dir('1') };
		});
		assert.deepEqual(dView, { audio: 'inactive', video: 'inactive' });
		const sD = await stats(D);
		assert.ok(!sD.local.audio?.packetsSent && !sD.local.video?.packetsSent, `D sends nothing: ${JSON.stringify(sD.local)}`);
		for (const p of [B, C]) assert.equal((await stats(p)).participants[D.id], undefined, `${p.name} receives nothing from D`);
		await D.context.close();
		D = null;

		// A publisher who arrives after C is not offered to C either.
		E = await openParticipant(browser, server, { room: ROOM, name: 'E' });
		await waitReceivingFrom(B, [E], { timeout: 25000 });
		const cView = await C.page.evaluate(() => {
			const room = window.parley.room;
			return { remoteTracks: room.remoteTracks.size,
				sendonly: (room._pc.remoteDescription.sdp.match(/\r\na=sendonly/g) || []).length };
		});
		assert.deepEqual(cView, { remoteTracks: 0, sendonly: 0 }, 'C was offered no one\'s tracks');
		assert.deepEqual((await stats(C)).participants, {});
		await C.context.close();
		await E.context.close();
		C = E = null;
		await waitFor(async () => (await api.participants(ROOM)).length === 1, { timeout: 10000, message: 'C, D and E to be gone' });
	}));

test('deleting a live room tells the browser and ends its session', { timeout: 60000 },
	() => guarded('delete', async () => {
		assert.ok(B, 'B is still in the room');
		assert.equal((await api.del(`/api/v1/rooms/${ROOM}`)).status, 204);
		await waitLogged(B, { event: 'bye', reason: 'room_deleted' }, 'bye room_deleted');
		await waitFor(() => B.page.evaluate(() => window.parley.state === 'left' && window.parley.room.state === 'closed'),
			{ timeout: 5000, interval: 50, message: 'B to leave' });
		assert.match(await errorText(B), /The room was closed\./);
		assert.equal((await api.get(`/api/v1/rooms/${ROOM}`)).status, 404);
		await waitFor(async () => (await metrics()).m.parley_rooms_live[''] === 0, { timeout: 5000, message: 'no live room' });
		const pt = await promtoolCheck((await metrics()).text);
		assert.equal(pt.code, 0, pt.output);
		server.assertAlive();
	}));
