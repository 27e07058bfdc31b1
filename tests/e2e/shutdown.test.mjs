// SIGTERM ends the server cleanly: every joined participant is told
// (bye, server_shutdown) before its socket closes, the process exits 0, and
// under ASan it reports nothing (server.stop() checks both).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openParticipant, waitReceivingFrom, waitFor } from './lib/harness.mjs';
import { WsClient } from './lib/wsclient.mjs';

test('SIGTERM tells participants and exits cleanly', { timeout: 90000 }, async () => {
	const server = await startServer();
	const browser = await launchBrowser();
	try {
		const A = await openParticipant(browser, server, { room: 'bye', name: 'A' });
		const B = await openParticipant(browser, server, { room: 'bye', name: 'B' });
		await waitReceivingFrom(A, [B], { timeout: 20000 });
		const ws = await WsClient.connect(server.wsUrl);
		ws.send({ type: 'join', room: 'bye', name: 'Raw' });
		await ws.next((m) => m.type === 'joined', { what: 'joined', skip: () => true });
		await ws.next((m) => m.type === 'offer', { what: 'offer', skip: () => true });

		await server.stop();

		const bye = await ws.next((m) => m.type === 'bye', { what: 'bye', skip: () => true, timeout: 5000 });
		assert.equal(bye.reason, 'server_shutdown');
		await waitFor(() => A.page.evaluate(() => JSON.stringify(window.parley.log).includes('server_shutdown')),
			{ timeout: 5000, message: 'the page to see the bye' });
		assert.match(server.stderr, /worker \d+: \d+ packets in/, 'workers reported their counters');
	} finally {
		await browser.close().catch(() => {});
		await server.stop().catch(() => {});
	}
});
