// Shared helpers for Parley's browser end-to-end tests: start the server
// binary on a free port, launch headless Chromium with fake media devices,
// open conference pages and poll their state.
//
// Environment:
//   PARLEY_BIN        server binary (default ../../build/parley from this folder)
//   PARLEY_ARGS       extra server arguments, split on spaces
//   CHROMIUM          browser binary (default /usr/bin/chromium)
//   E2E_ARTIFACTS     folder for screenshots/logs on failure (default ./artifacts)

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(here, '..');
export const PARLEY_BIN = path.resolve(E2E_DIR, process.env.PARLEY_BIN || '../../build/parley');
export const ARTIFACTS = path.resolve(E2E_DIR, process.env.E2E_ARTIFACTS || 'artifacts');

export const CHROMIUM_ARGS = [
	'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--allow-loopback-in-peer-connection',
	'--disable-features=WebRtcHideLocalIpsWithMdns',
	'--autoplay-policy=no-user-gesture-required',
	// Keep background pages (three contexts in one browser) running at full speed.
	'--disable-background-timer-throttling', '--disable-renderer-backgrounding',
	'--disable-backgrounding-occluded-windows',
	// Nothing but loopback: no DNS for anything else.
	'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

// Polls fn() until it returns a truthy value; returns that value. Throws with
// `message` (and the last value/error seen) when `timeout` ms pass.
export async function waitFor(fn, { timeout = 10000, interval = 100, message = 'condition' } = {}) {
	const deadline = Date.now() + timeout;
	let last, lastErr;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) { lastErr = e; }
		if (Date.now() >= deadline) {
			const detail = lastErr ? `; last error: ${lastErr.message}` : `; last value: ${JSON.stringify(last)}`;
			throw new Error(`timed out after ${timeout} ms waiting for ${message}${detail}`);
		}
		await sleep(interval);
	}
}

// ---- server ---------------------------------------------------------------

// Starts the server on a free port and resolves once it prints its URL.
// stop() kills it and throws if it crashed, exited non-zero, or printed a
// sanitizer report. dataDir: the server's data_dir (its database); by
// default a fresh temporary one, removed at stop. port: reuse a port (restarts).
export async function startServer({ extraArgs = [], startTimeout = 20000, dataDir = null, port = null, env = {} } = {}) {
	if (!fs.existsSync(PARLEY_BIN)) throw new Error(`server binary not found: ${PARLEY_BIN} (set PARLEY_BIN)`);
	port = port || await freePort();
	const ownDataDir = !dataDir;
	dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'parley-data-'));
	// SIP dial-in is off unless a test turns it on (its flags come later and win).
	const args = ['--http-port', String(port), '--ice-addresses', '127.0.0.1', '--log', 'info',
		'--data-dir', dataDir, '--sip-port', '0',
		...(process.env.PARLEY_ARGS ? process.env.PARLEY_ARGS.split(' ').filter(Boolean) : []), ...extraArgs];
	const proc = spawn(PARLEY_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0', ...env } });
	let stdout = '', stderr = '';
	let exited = null;
	const exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => {
		exited = { code, signal };
		resolve(exited);
	}));
	proc.stdout.setEncoding('utf8');
	proc.stderr.setEncoding('utf8');
	proc.stderr.on('data', (d) => { stderr += d; if (process.env.E2E_VERBOSE) process.stderr.write(d); });

	const url = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(
			`server did not print its URL within ${startTimeout} ms\nstdout:\n${stdout}\nstderr:\n${tail(stderr)}`)), startTimeout);
		proc.stdout.on('data', (d) => {
			stdout += d;
			if (process.env.E2E_VERBOSE) process.stdout.write(d);
			const line = stdout.split('\n').slice(0, -1).find((l) => l.includes('http://'));
			const m = line && /http:\/\/([^\s/]+)/.exec(line);
			if (m) { clearTimeout(timer); resolve(`http://${m[1].replace(/^0\.0\.0\.0(?=:)/, '127.0.0.1')}`); }
		});
		proc.on('exit', (code, signal) => {
			clearTimeout(timer);
			reject(new Error(`server exited before listening (code ${code}, signal ${signal})\nstdout:\n${stdout}\nstderr:\n${tail(stderr)}`));
		});
		proc.on('error', (e) => { clearTimeout(timer); reject(e); });
	});

	const server = {
		url, port, proc, dataDir,
		wsUrl: url.replace(/^http/, 'ws') + '/ws',
		get stderr() { return stderr; },
		get stdout() { return stdout; },
		get exited() { return exited; },
		// Throws if the server has died already (call it between test steps).
		assertAlive() {
			if (exited) throw new Error(`server died (code ${exited.code}, signal ${exited.signal})\nstderr:\n${tail(stderr)}`);
		},
		async stop() {
			if (!exited) {
				proc.kill('SIGTERM');
				let timer;
				const r = await Promise.race([exitPromise,
					new Promise((res) => { timer = setTimeout(() => res(null), 10000); })]);
				clearTimeout(timer);   // a pending 10 s timer would keep node (and node --test) waiting
				if (!r) {
					proc.kill('SIGKILL');
					await exitPromise;
					throw new Error(`server did not exit within 10 s of SIGTERM\nstderr:\n${tail(stderr)}`);
				}
			}
			const problems = [];
			if (exited.code !== 0) problems.push(`exited with code ${exited.code}, signal ${exited.signal}`);
			if (/AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/.test(stderr))
				problems.push('sanitizer report on stderr');
			if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
			if (problems.length) throw new Error(`server: ${problems.join('; ')}\nstderr:\n${tail(stderr, 12000)}`);
		},
	};
	return server;
}

function tail(s, n = 6000) {
	return s.length > n ? '…' + s.slice(-n) : s;
}

// ---- browser --------------------------------------------------------------

export async function launchBrowser() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: CHROMIUM_ARGS,
	});
}

// Opens the conference page in a new browser context and waits until it has
// joined. Returns {page, context, name, logs}.
export async function openParticipant(browser, server, { room, name, res = '160x120', fps = 15,
	autojoin = true, extra = {}, waitJoined = true, timeout = 15000 } = {}) {
	const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
	const page = await context.newPage();
	const logs = [];
	page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
	const q = new URLSearchParams({ room, name, res, fps: String(fps), ...extra });
	if (autojoin) q.set('autojoin', '1');
	await page.goto(`${server.url}/?${q}`);
	const p = { page, context, name, logs };
	if (waitJoined) await waitJoinedState(p, timeout);
	return p;
}

export async function waitJoinedState(p, timeout = 15000) {
	await waitFor(async () => {
		const s = await p.page.evaluate(() => window.parley && window.parley.state);
		if (s === 'error') throw new Error(`${p.name}: join failed: ${await lastLog(p)}`);
		return s === 'joined';
	}, { timeout, interval: 50, message: `${p.name} to join` }).catch(async (e) => {
		e.message += `\npage console:\n${p.logs.slice(-20).join('\n')}`;
		throw e;
	});
	p.id = await p.page.evaluate(() => window.parley.room.id);
	return p.id;
}

async function lastLog(p) {
	return p.page.evaluate(() => JSON.stringify(window.parley.log.slice(-5)));
}

export function stats(p) {
	return p.page.evaluate(() => window.parley.stats());
}

// Waits until page `p` receives media from every participant in `from`:
// video framesDecoded and audio packetsReceived + totalAudioEnergy all rising
// between two samples.
export async function waitReceivingFrom(p, from, { timeout = 20000 } = {}) {
	let prev = null;
	return waitFor(async () => {
		const s = await stats(p);
		const ok = prev && from.every((o) => {
			const a = s.participants[o.id], b = prev.participants[o.id];
			if (!a || !b || !a.video || !a.audio || !b.video || !b.audio) return false;
			return a.video.framesDecoded > b.video.framesDecoded && b.video.framesDecoded > 0
				&& a.audio.packetsReceived > b.audio.packetsReceived
				&& a.audio.totalAudioEnergy > b.audio.totalAudioEnergy;
		});
		prev = s;
		return ok ? s : false;
	}, { timeout, interval: 400,
		message: `${p.name} to receive rising audio+video from ${from.map((o) => o.name).join(', ')}` })
		.catch((e) => { e.message += `\nlast stats: ${JSON.stringify(prev)}`; throw e; });
}

// Waits until page `p` shows a playing tile for each participant in `from`:
// audio and video attached, element not muted, not paused, a decoded size,
// and playback time advancing between two samples.
export async function waitTilesPlaying(p, from, { timeout = 10000 } = {}) {
	let prev = null, last = null;
	return waitFor(async () => {
		const tiles = await p.page.evaluate(() => window.parley.tiles());
		last = tiles;
		const byId = new Map(tiles.map((t) => [t.id, t]));
		const ok = prev && from.every((o) => {
			const t = byId.get(o.id), b = prev.get(o.id);
			return t && b && t.name === o.name && t.hasAudio && t.hasVideo && !t.muted && !t.paused
				&& t.readyState >= 2 && t.videoWidth > 0 && t.currentTime > b.currentTime;
		});
		prev = byId;
		return ok;
	}, { timeout, interval: 250,
		message: `${p.name} to play tiles of ${from.map((o) => o.name).join(', ')}` })
		.catch((e) => { e.message += `\nlast tiles: ${JSON.stringify(last)}`; throw e; });
}

// Runs fn; when it fails, saves each page's screenshot and logs and adds
// describe()'s text and the server's stderr tail to the error.
// participants: an array, or a function returning one at failure time.
export async function withArtifacts(tag, server, participants, fn, describe = async () => '') {
	try {
		return await fn();
	} catch (e) {
		const ps = (typeof participants === 'function' ? participants() : participants).filter(Boolean);
		await saveArtifacts(tag, ps);
		e.message += await describe(ps).catch(() => '');
		if (server) e.message += `\nserver stderr (tail):\n${server.stderr.slice(-3000)}`;
		throw e;
	}
}

// Saves a screenshot and the console log of each page (for failures).
export async function saveArtifacts(tag, participants) {
	try {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		for (const p of participants) {
			if (!p || !p.page || p.page.isClosed()) continue;
			const base = path.join(ARTIFACTS, `${tag}-${p.name}`);
			await p.page.screenshot({ path: `${base}.png` }).catch(() => {});
			fs.writeFileSync(`${base}.log`, p.logs.join('\n'));
			const log = await p.page.evaluate(() => window.parley && window.parley.log).catch(() => null);
			if (log) fs.writeFileSync(`${base}.events.json`, JSON.stringify(log, null, 1));
		}
	} catch { /* best effort */ }
}
