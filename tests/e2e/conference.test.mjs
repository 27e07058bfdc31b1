// Three browsers in one room see and hear each other; one leaves and the
// others see its tiles and tracks end; a fourth joins late and decodes both
// remaining publishers within 2 s of starting to join.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openParticipant, waitFor, waitReceivingFrom, waitTilesPlaying, stats,
	withArtifacts } from './lib/harness.mjs';

const ROOM = 'e2e';
const LEAVE_BOUND_MS = 5000;
// 2 s is the requirement, held in the release run; under ASan (several
// times slower at ICE, DTLS and decoding) the bound only catches a hang.
const LATE_JOIN_BOUND_MS = process.env.PARLEY_SANITIZED === '1' ? 5000 : 2000;

let server, browser;
const all = [];
let A, B, C, D;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

const guarded = (tag, fn) => withArtifacts(`conference-${tag}`, server, all, fn);

test('three participants see and hear each other', { timeout: 90000 }, () => guarded('three', async () => {
	const tj = Date.now();
	A = await openParticipant(browser, server, { room: ROOM, name: 'A' }); all.push(A);
	B = await openParticipant(browser, server, { room: ROOM, name: 'B' }); all.push(B);
	C = await openParticipant(browser, server, { room: ROOM, name: 'C' }); all.push(C);
	assert.equal(new Set([A.id, B.id, C.id]).size, 3, 'participant ids are distinct');
	console.log(`# three pages joined in ${Date.now() - tj} ms`);

	const t0 = Date.now();
	for (const [p, others] of [[A, [B, C]], [B, [A, C]], [C, [A, B]]]) {
		await waitReceivingFrom(p, others, { timeout: 25000 });
		console.log(`# ${p.name} receives rising audio+video from both others at +${Date.now() - t0} ms`);
		// Names shown; each remote stream plays in its tile, unmuted, with
		// audio and video.
		await waitTilesPlaying(p, others);
		const conn = await p.page.$eval('#connection-state', (e) => e.dataset.state);
		assert.equal(conn, 'connected', `${p.name}'s connection indicator`);
	}
	server.assertAlive();
}));

test('a participant who leaves disappears for the others', { timeout: 60000 }, () => guarded('leave', async () => {
	assert.ok(A && B && C, 'previous test set up the room');
	const t0 = Date.now();
	await A.page.click('#leave-button');
	for (const p of [B, C]) {
		await waitFor(async () => {
			const r = await p.page.evaluate((aid) => {
				const room = window.parley.room;
				const tracks = [...room.remoteTracks.values()].filter((x) => x.participantId === aid);
				const ended = window.parley.log.filter((e) => e.event === 'track_ended' && e.id === aid).map((e) => e.kind);
				return {
					tile: !!document.querySelector(`.tile.remote[data-participant-id="${CSS.escape(aid)}"]`),
					listed: room.participants.has(aid),
					tracks: tracks.length,
					ended: ended.sort().join(','),
					left: window.parley.log.some((e) => e.event === 'participant_left' && e.id === aid),
				};
			}, A.id);
			return !r.tile && !r.listed && r.tracks === 0 && r.ended === 'audio,video' && r.left;
		}, { timeout: LEAVE_BOUND_MS, interval: 50, message: `${p.name} to drop A's tile and see both of A's tracks end` });
	}
	const elapsed = Date.now() - t0;
	// The leaver is back at the join form.
	const s = await A.page.evaluate(() => ({ state: window.parley.state,
		joinVisible: !document.getElementById('join-view').hidden }));
	assert.deepEqual(s, { state: 'left', joinVisible: true });
	await A.context.close();
	// The two who stayed still exchange media.
	await waitReceivingFrom(B, [C], { timeout: 10000 });
	await waitReceivingFrom(C, [B], { timeout: 10000 });
	await waitTilesPlaying(B, [C]);
	await waitTilesPlaying(C, [B]);
	server.assertAlive();
	console.log(`# leave observed by both others within ${elapsed} ms`);
}));

test('a late joiner decodes both publishers within 2 s', { timeout: 60000 }, () => guarded('late', async () => {
	assert.ok(B && C, 'previous tests set up the room');
	D = await openParticipant(browser, server, { room: ROOM, name: 'D', autojoin: false, waitJoined: false });
	all.push(D);
	await D.page.waitForSelector('#join-button');
	const r = await D.page.evaluate(async ({ ids, limit }) => {
		const t0 = performance.now();
		document.getElementById('join-button').click();
		let s = null;
		while (performance.now() - t0 < limit) {
			const room = window.parley.room;
			if (room && room.state === 'joined') {
				s = await room.statsSummary();
				if (ids.every((id) => s.participants[id] && s.participants[id].video
					&& s.participants[id].video.framesDecoded > 0)) {
					const tm = room.timing;
					const rel = (x) => (x == null ? null : Math.round(x - t0));
					return { ms: Math.round(performance.now() - t0), timing: { localMedia: rel(tm.localMedia),
						joined: rel(tm.joined), firstOffer: rel(tm.firstOffer), firstAnswer: rel(tm.firstAnswer),
						connected: rel(tm.connected) } };
				}
			}
			await new Promise((res) => setTimeout(res, 100)); // getStats itself costs the page CPU
		}
		const tm = window.parley.room ? window.parley.room.timing : {};
		return { ms: null, stats: s, timing: Object.fromEntries(Object.entries(tm).map(([k, v]) => [k, Math.round(v - t0)])) };
	}, { ids: [B.id, C.id], limit: 10000 });
	console.log(`# late join: first frames from both after ${r.ms} ms; timing ${JSON.stringify(r.timing)}`);
	assert.ok(r.ms !== null, `D decoded no video from both B and C within 10 s: ${JSON.stringify(r)}`);
	assert.ok(r.ms < LATE_JOIN_BOUND_MS, `D's first frames from both took ${r.ms} ms (bound ${LATE_JOIN_BOUND_MS}); timing ${JSON.stringify(r.timing)}`);
	D.id = await D.page.evaluate(() => window.parley.room.id);
	await waitReceivingFrom(D, [B, C], { timeout: 15000 });
	await waitTilesPlaying(D, [B, C]);
	const names = (await D.page.evaluate(() => window.parley.tiles())).map((t) => t.name).sort();
	assert.deepEqual(names, ['B', 'C']);
	const s = await stats(D);
	assert.deepEqual(Object.keys(s.participants).sort(), [B.id, C.id].sort(), 'D receives exactly B and C');
	server.assertAlive();
}));

// On B and C, D's tracks arrive in the m-sections that A's tracks left
// (inactive, then reused), so this checks the reuse path end to end.
test('the others see and hear the late joiner', { timeout: 60000 }, () => guarded('reuse', async () => {
	assert.ok(B && C && D && D.id, 'previous tests set up the room');
	try {
		await waitTilesPlaying(B, [C, D]);
		await waitTilesPlaying(C, [B, D]);
	} catch (e) {
		e.message += '\nHint: a tile stuck at readyState 0 while its framesDecoded rises is what Chrome does'
			+ ' when an m-section loses its a=ssrc lines while inactive and gets them back when reused'
			+ ' (the sink is never reconnected): keep a=ssrc/a=ssrc-group in inactive m-sections.';
		throw e;
	}
	await waitReceivingFrom(B, [C, D], { timeout: 15000 });
	await waitReceivingFrom(C, [B, D], { timeout: 15000 });
	server.assertAlive();
}));
