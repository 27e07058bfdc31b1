// Server CPU per forwarded packet with real browsers: N headless Chromium
// participants (fake 640x480@30 camera and microphone) in one room, measured
// over a steady-state window. A first, small-scale figure; the load generator
// of the benchmark suite replaces browsers for large N.
//
//   unshare -n sh -c 'ip link set lo up; cd tests/e2e && \
//     PARLEY_BIN=../../build/parley node ../../bench/browser-room.mjs [N] [SECONDS]'
import fs from 'node:fs';
import { startServer, launchBrowser, openParticipant, waitReceivingFrom } from '../tests/e2e/lib/harness.mjs';

const n = Number(process.argv[2] || 3);
const seconds = Number(process.argv[3] || 30);
const clockTicks = 100; // sysconf(_SC_CLK_TCK) on Linux

const server = await startServer();
const browser = await launchBrowser();
try {
	const ps = [];
	for (let i = 0; i < n; i++)
		ps.push(await openParticipant(browser, server, { room: 'bench', name: `P${i}`, res: '640x480', fps: 30 }));
	await waitReceivingFrom(ps[0], ps.slice(1), { timeout: 30000 });
	const cpu = () => {
		const f = fs.readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(f[11]) + Number(f[12])) / clockTicks; // utime + stime
	};
	const received = async () => {
		let total = 0;
		for (const p of ps)
			total += await p.page.evaluate(async () => {
				let k = 0;
				(await window.parley.room._pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp') k += r.packetsReceived; });
				return k;
			});
		return total;
	};
	const c0 = cpu(), r0 = await received();
	await new Promise((r) => setTimeout(r, seconds * 1000));
	const c1 = cpu(), r1 = await received();
	const packets = r1 - r0;
	console.log(JSON.stringify({ participants: n, seconds, forwarded_packets: packets,
		packets_per_s: Math.round(packets / seconds), server_cpu_s: +(c1 - c0).toFixed(2),
		us_per_forwarded_packet: +((c1 - c0) * 1e6 / packets).toFixed(1) }));
} finally {
	await browser.close().catch(() => {});
	await server.stop();
}
