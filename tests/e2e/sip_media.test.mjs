// SIP dial-in media with a real softphone: headless baresip 1.0.0
// (lib/baresip.mjs) sends a sine tone and records what it hears; the
// recordings are measured with sox and a Goertzel filter (lib/audio.mjs).
//
//   - control, without Parley: two baresips calling each other record each
//     other's tone (so the recorder and the measures are sound).
//   - baresip calls over UDP and over TCP: answered, its tone reaches
//     Parley (rtp rx), Parley's RTP reaches baresip, BYE ends the call.
//   - baresip (440 Hz) calls a room where a Chromium page publishes its fake
//     microphone (a beep): the page sees a participant of kind "sip" join,
//     plays its audio (totalAudioEnergy rising), baresip's recording is not
//     silent (it hears the beep) and holds no 440 Hz (mix-minus), and the
//     page sees the participant leave after the hang-up.
//   - two baresip callers (440 Hz over UDP, 880 Hz over TCP) in one room:
//     each one hears the other's tone and not its own.
//
// The audio-content checks are subtests so that each reports on its own:
// they need the room audio mix (the SIP caller published into the room, the
// room mixed minus the caller sent back); call set-up passes without it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, freePort, waitFor, waitJoinedState, withArtifacts,
	ARTIFACTS } from './lib/harness.mjs';
import { startBaresip } from './lib/baresip.mjs';
import { soxStat, toneLevels, describeAudio } from './lib/audio.mjs';

// Recorded silence here (Parley sending Opus silence) is RMS ~3e-6, peak
// ~6e-5; ausine sends a sine of peak 0.5. The bounds below sit far from both.
const NOT_SILENT_RMS = 0.001;        // -60 dBFS
const NOT_SILENT_PEAK = 0.01;
const TONE_HEARD = 0.05;             // a sine of at least -26 dBFS peak
const MEDIA_SECONDS = 4;             // how long each call carries audio

let server, browser;
const bares = new Set();

before(async () => {
	const sipPort = await freePort();
	server = await startServer({ extraArgs: ['--sip-port', String(sipPort), '--sip-address', '127.0.0.1',
		'--sip-create-rooms', '1'] });
	server.sipPort = sipPort;
	browser = await launchBrowser();
});

after(async () => {
	for (const b of bares) await b.dispose().catch(() => {});
	if (browser) await browser.close().catch(() => {});
	if (server) await server.stop();
});

async function caller(opts) {
	const b = await startBaresip(opts);
	bares.add(b);
	return b;
}

// Disposes the callers; keeps their recordings and logs in artifacts/ when
// the test failed.
async function release(tag, failed, ...bs) {
	for (const b of bs) {
		if (!b) continue;
		await b.dispose({ keepTo: failed ? path.join(ARTIFACTS, `sip-media-${tag}`) : null });
		bares.delete(b);
	}
}

const uri = (room, tcp = false) => `sip:${room}@127.0.0.1:${server.sipPort}${tcp ? ';transport=tcp' : ''}`;

// The server's "call N started/ended" lines for a room.
const callLines = (what, room) => server.stderr.split('\n')
	.filter((l) => l.includes(` ${what}: `) && l.includes(`, room ${room},`));

// The server logs "started" around when it sends the 200: wait for it.
async function waitStarted(room, count = 1) {
	return waitFor(() => { const l = callLines('started', room); return l.length >= count && l; },
		{ timeout: 3000, message: `the server to log ${count} started call(s) in room ${room}` });
}

async function waitEnded(room, count = 1) {
	return waitFor(() => { const l = callLines('ended', room); return l.length >= count && l; },
		{ timeout: 5000, message: `the server to log ${count} ended call(s) in room ${room}` });
}

// Runs a subtest and notes its failure, so later steps still run and each
// audio expectation reports on its own.
async function check(t, name, fn, failures) {
	await t.test(name, async () => {
		try { await fn(); } catch (e) { failures.push(name); throw e; }
	});
}

// The control: without Parley, one baresip calls another (auto-answer). If
// the recordings hold each other's tone here, the recorder and the measures
// are sound, and a failing check against Parley is about Parley.
test('control: two baresips calling each other directly hear each other, not themselves', { timeout: 20000 }, async () => {
	const A = await caller({ tone: 440, user: 'ctl440' });
	const B = await caller({ tone: 880, user: 'ctl880', autoAnswer: true });
	let done = false;
	try {
		await A.dial(`sip:ctl880@127.0.0.1:${B.sipPort}`);
		await Promise.all([A.established(), B.established()]);
		await Promise.all([A.waitAudio(2), B.waitAudio(2)]);
		await A.hangup();
		await B.closed();
		await Promise.all([A.stop(), B.stop()]);
		for (const [me, mine, theirs] of [[A, 440, 880], [B, 880, 440]]) {
			const lv = toneLevels(me.recording, [mine, theirs], { skip: 0.5 });
			const what = `${me.user} heard: ${describeAudio(me.recording, [mine, theirs])}`;
			assert.ok(lv[theirs].amplitude > 0.3 && lv[theirs].present > 0.9, what);
			assert.ok(lv[mine].amplitude < 0.01, what);
		}
		done = true;
	} finally {
		await release('control', !done, A, B);
	}
});

for (const tcp of [false, true]) {
	const name = tcp ? 'TCP' : 'UDP';
	test(`baresip calls over ${name}: answered (Opus), media both ways, its BYE ends the call`, { timeout: 30000 }, async () => {
		const room = `sip-setup-${name.toLowerCase()}`;
		const b = await caller({ tone: 440, user: `caller-${name.toLowerCase()}` });
		let failed = true;
		try {
			await b.dial(uri(room, tcp));
			const ms = await b.established();
			const started = await waitStarted(room);
			assert.equal(started.length, 1, server.stderr.slice(-2000));
			// Over UDP the source is baresip's SIP port; over TCP an ephemeral one.
			assert.match(started[0], new RegExp(`from sip:caller-${name.toLowerCase()}@127\\.0\\.0\\.1, room ${room}, codec opus, ` +
				`${name} from 127\\.0\\.0\\.1:${tcp ? '\\d+' : b.sipPort}`));
			// Parley's RTP reached baresip and was decoded for this long.
			await b.waitAudio(2);
			const closed = await b.hangup();
			assert.match(closed.line, /terminated/);
			const [ended] = await waitEnded(room);
			assert.match(ended, /reason caller hung up/);
			const rx = Number(/rtp rx (\d+)/.exec(ended)[1]);
			assert.ok(rx >= 75, `Parley received baresip's RTP: ${ended}`);
			await b.stop();
			// The measuring helpers against what baresip itself sent.
			const sent = toneLevels(b.sent, [440, 880]);
			assert.ok(sent[440].amplitude > 0.4 && sent[880].amplitude < 0.01, `sent: ${describeAudio(b.sent, [440, 880])}`);
			assert.ok(soxStat(b.recording).seconds >= 1.9, `received: ${describeAudio(b.recording)}`);
			console.log(`# ${name}: established in ${ms} ms; rtp rx ${rx}; received ${describeAudio(b.recording, [440])}`);
			failed = false;
		} finally {
			await release(`setup-${name}`, failed, b);
		}
	});
}

// A conference page with every signaling message it receives recorded in
// window.__wsIn (parley.js keeps no participant kinds).
async function openRecordingParticipant(room, name) {
	const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
	await context.addInitScript(() => {
		window.__wsIn = [];
		const Native = window.WebSocket;
		window.WebSocket = class extends Native {
			constructor(...args) {
				super(...args);
				this.addEventListener('message', (e) => {
					try { window.__wsIn.push(JSON.parse(e.data)); } catch { /* not JSON */ }
				});
			}
		};
	});
	const page = await context.newPage();
	const logs = [];
	page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
	const q = new URLSearchParams({ room, name, res: '160x120', fps: '15', autojoin: '1' });
	await page.goto(`${server.url}/?${q}`);
	const p = { page, context, name, logs };
	await waitJoinedState(p);
	return p;
}

test('baresip (440 Hz) and a Chromium page in one room hear each other', { timeout: 40000 }, async (t) => {
	const room = 'sip-media-browser';
	const C = await openRecordingParticipant(room, 'C');
	const b = await caller({ tone: 440, user: 'tone440' });
	const failures = [];
	let sipId = null, done = false;
	try {
		await withArtifacts('sip-media-browser', server, [C], async () => {
			await b.dial(uri(room));
			await b.established();
			await waitStarted(room);

			await check(t, 'Chromium sees a participant of kind "sip" join', async () => {
				const joined = await waitFor(() => C.page.evaluate(() => window.__wsIn.find((m) =>
					m.type === 'participant_joined' && m.participant && m.participant.kind === 'sip')),
				{ timeout: 5000, message: 'C to hear of a participant of kind sip' });
				sipId = joined.participant.id;
			}, failures);

			await check(t, 'Chromium plays audio from the SIP participant (totalAudioEnergy rising)', async () => {
				assert.ok(sipId, 'no SIP participant was seen');
				let prev = null;
				await waitFor(async () => {
					const s = await C.page.evaluate(() => window.parley.stats());
					const a = s.participants[sipId] && s.participants[sipId].audio;
					const ok = a && prev && a.packetsReceived > prev.packetsReceived
						&& a.totalAudioEnergy > prev.totalAudioEnergy && prev.totalAudioEnergy > 0;
					prev = a || prev;
					return ok;
				}, { timeout: 8000, interval: 400, message: 'rising audio energy from the SIP participant' })
					.catch((e) => { e.message += `\nlast audio stats: ${JSON.stringify(prev)}`; throw e; });
			}, failures);

			await b.waitAudio(MEDIA_SECONDS);
			await b.hangup();
			await waitEnded(room);
			await b.stop();

			await check(t, "baresip's recording is not silent (the page's beep) and holds no 440 Hz of its own", () => {
				// Chromium's fake microphone beeps 20 ms of 400 Hz every 500 ms;
				// so short a burst also shows at 440 Hz in the blocks holding
				// it, so "hears itself" means 440 Hz in most blocks, as an echo
				// of the caller's steady tone would be.
				const s = soxStat(b.recording);
				const own = toneLevels(b.recording, [440], { floor: TONE_HEARD, skip: 1 })[440];
				const what = describeAudio(b.recording, [400, 440]);
				assert.ok(s.seconds >= MEDIA_SECONDS - 0.5, `recorded ${s.seconds} s`);
				assert.ok(s.rms > NOT_SILENT_RMS && s.peak > NOT_SILENT_PEAK, `silent recording: ${what}`);
				assert.ok(own.present < 0.5, `the caller hears itself (440 Hz above ${TONE_HEARD} in ` +
					`${Math.round(own.present * 100)}% of 100 ms blocks): ${what}`);
			}, failures);

			await check(t, 'Chromium sees the SIP participant leave after the hang-up', async () => {
				assert.ok(sipId, 'no SIP participant was seen');
				await waitFor(() => C.page.evaluate((id) => window.__wsIn.some((m) =>
					m.type === 'participant_left' && m.id === id)
					&& !window.parley.room.participants.has(id), sipId),
				{ timeout: 5000, message: `C to see ${sipId} leave` });
			}, failures);
			assert.deepEqual(failures, [], 'audio/room checks failed');
			done = true;
		});
	} finally {
		await release('browser', !done, b);
		await C.context.close().catch(() => {});
	}
});

test('two baresip callers (440 Hz UDP, 880 Hz TCP) in one room hear each other, not themselves', { timeout: 30000 }, async (t) => {
	const room = 'sip-media-pair';
	const A = await caller({ tone: 440, user: 'tone440' });
	const B = await caller({ tone: 880, user: 'tone880' });
	const failures = [];
	let done = false;
	try {
		await A.dial(uri(room));
		await B.dial(uri(room, true));
		await Promise.all([A.established(), B.established()]);
		const started = await waitStarted(room, 2);
		assert.ok(started.some((l) => / UDP from /.test(l)) && started.some((l) => / TCP from /.test(l)), started.join('\n'));
		// Both have received MEDIA_SECONDS of audio while both were in the room.
		await Promise.all([A.waitAudio(MEDIA_SECONDS), B.waitAudio(MEDIA_SECONDS)]);
		await Promise.all([A.hangup(), B.hangup()]);
		await waitEnded(room, 2);
		await Promise.all([A.stop(), B.stop()]);

		for (const [me, other, mine, theirs] of [[A, B, 440, 880], [B, A, 880, 440]]) {
			await check(t, `${me.user} hears ${other.user}'s ${theirs} Hz`, () => {
				// From 1 s on: the other may have been answered a moment later.
				const lv = toneLevels(me.recording, [theirs], { skip: 1 })[theirs];
				assert.ok(lv.amplitude > TONE_HEARD && lv.present > 0.8,
					`${me.user} heard: ${describeAudio(me.recording, [mine, theirs])}`);
			}, failures);
			await check(t, `${me.user} does not hear its own ${mine} Hz`, () => {
				const lv = toneLevels(me.recording, [mine, theirs], { skip: 1 });
				assert.ok(lv[mine].amplitude < Math.max(0.01, lv[theirs].amplitude / 10),
					`${me.user} heard: ${describeAudio(me.recording, [mine, theirs])}`);
			}, failures);
		}
		assert.deepEqual(failures, [], 'audio checks failed');
		done = true;
	} finally {
		await release('pair', !done, A, B);
	}
});
