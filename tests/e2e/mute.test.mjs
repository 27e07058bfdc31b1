// Muting on one page sends `mute`; the other page shows the participant's
// muted indicators, and a late joiner learns the state from `joined`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openParticipant, waitFor, waitReceivingFrom,
	withArtifacts } from './lib/harness.mjs';

const ROOM = 'mute';
let server, browser, A, B, C;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

const guarded = (tag, fn) => withArtifacts(`mute-${tag}`, server, () => [A, B, C], fn);

// What page `p` shows for participant `id`: the tile's flags and whether
// each indicator is visible.
function tileState(p, id) {
	return p.page.evaluate((pid) => {
		const t = document.querySelector(`.tile.remote[data-participant-id="${CSS.escape(pid)}"]`);
		if (!t) return null;
		const shown = (sel) => getComputedStyle(t.querySelector(sel)).display !== 'none';
		return { audio: t.dataset.audioMuted === 'true', video: t.dataset.videoMuted === 'true',
			micIcon: shown('.indicator.mic-off'), camIcon: shown('.indicator.cam-off'), avatar: shown('.avatar') };
	}, id);
}

async function expectTile(p, id, audio, video, what) {
	return waitFor(async () => {
		const s = await tileState(p, id);
		return s && s.audio === audio && s.video === video && s.micIcon === audio && s.camIcon === video && s;
	}, { timeout: 5000, interval: 50, message: `${p.name} to show ${what}` });
}

async function localState(p) {
	return p.page.evaluate(() => {
		const room = window.parley.room;
		return {
			mic: document.getElementById('mic-button').getAttribute('aria-pressed'),
			cam: document.getElementById('camera-button').getAttribute('aria-pressed'),
			audioEnabled: room.localStream.getAudioTracks()[0].enabled,
			videoEnabled: room.localStream.getVideoTracks()[0].enabled,
		};
	});
}

test('mute and unmute show on the other page', { timeout: 90000 }, () => guarded('toggle', async () => {
	A = await openParticipant(browser, server, { room: ROOM, name: 'A' });
	B = await openParticipant(browser, server, { room: ROOM, name: 'B' });
	await waitReceivingFrom(B, [A], { timeout: 25000 });
	await expectTile(B, A.id, false, false, 'A unmuted');

	await A.page.click('#mic-button');
	assert.deepEqual(await localState(A), { mic: 'true', cam: 'false', audioEnabled: false, videoEnabled: true });
	await expectTile(B, A.id, true, false, 'A\'s microphone muted');

	await A.page.click('#camera-button');
	assert.deepEqual(await localState(A), { mic: 'true', cam: 'true', audioEnabled: false, videoEnabled: false });
	const s = await expectTile(B, A.id, true, true, 'A\'s microphone and camera muted');
	assert.equal(s.avatar, true, 'B shows A\'s avatar instead of video');

	// A late joiner learns A's state from `joined`.
	C = await openParticipant(browser, server, { room: ROOM, name: 'C' });
	const known = await C.page.evaluate((aid) => {
		const p = window.parley.room.participants.get(aid);
		return p && { audio_muted: p.audio_muted, video_muted: p.video_muted };
	}, A.id);
	assert.deepEqual(known, { audio_muted: true, video_muted: true }, 'joined lists A as muted');
	await expectTile(C, A.id, true, true, 'A muted (late joiner)');

	await A.page.click('#mic-button');
	await expectTile(B, A.id, false, true, 'A\'s microphone unmuted');
	await expectTile(C, A.id, false, true, 'A\'s microphone unmuted');
	await A.page.click('#camera-button');
	await expectTile(B, A.id, false, false, 'A unmuted');
	await expectTile(C, A.id, false, false, 'A unmuted');
	assert.deepEqual(await localState(A), { mic: 'false', cam: 'false', audioEnabled: true, videoEnabled: true });

	// B's own mute reaches A; nobody's state leaks onto another tile.
	await B.page.click('#mic-button');
	await expectTile(A, B.id, true, false, 'B\'s microphone muted');
	await expectTile(C, B.id, true, false, 'B\'s microphone muted');
	assert.deepEqual((await tileState(C, A.id)).audio, false, 'A still unmuted on C');
	server.assertAlive();
}));
