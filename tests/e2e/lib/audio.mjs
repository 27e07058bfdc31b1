// Measuring recorded audio (WAV files written by baresip's sndfile filter):
// overall RMS/peak from `sox FILE -n stat` (its report goes to stderr), and
// the level of given tones by the Goertzel algorithm on the samples, so a
// test can say "this recording holds 880 Hz at -12 dBFS and no 440 Hz".
// Amplitudes are linear, full scale = 1.0 (a full-scale sine has peak 1,
// RMS 0.707; baresip's ausine sends peak 0.5).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const SOX = process.env.SOX || '/usr/bin/sox';

// Runs `sox FILE -n remix - stat` (channels mixed to one: on interleaved
// stereo sox's "Rough frequency" is meaningless) and returns its numbers:
// { seconds, samples (per channel), rms, peak, roughFrequency, raw }.
export function soxStat(file) {
	const r = spawnSync(SOX, [file, '-n', 'remix', '-', 'stat'], { encoding: 'utf8', timeout: 20000 });
	if (r.error) throw new Error(`sox: ${r.error.message}`);
	if (r.status !== 0) throw new Error(`sox ${file} -n stat: exit ${r.status}: ${r.stderr}`);
	const field = (name) => {
		const m = new RegExp(`^${name}:\\s*(-?[0-9.]+)`, 'm').exec(r.stderr);
		return m ? Number(m[1]) : NaN;
	};
	return {
		samples: field('Samples read'),
		seconds: field('Length \\(seconds\\)'),
		rms: field('RMS\\s+amplitude'),
		peak: field('Maximum amplitude'),
		roughFrequency: field('Rough\\s+frequency'),
		raw: r.stderr,
	};
}

// Reads a 16-bit PCM WAV (plain or WAVE_FORMAT_EXTENSIBLE) and returns
// { rate, channels, samples: Float32Array } with the channels averaged.
export function readWav(file) {
	const buf = fs.readFileSync(file);
	if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE')
		throw new Error(`${file}: not a RIFF/WAVE file`);
	let off = 12, fmt = null, data = null;
	while (off + 8 <= buf.length) {
		const id = buf.toString('latin1', off, off + 4);
		let size = buf.readUInt32LE(off + 4);
		// A recorder that did not finish leaves 0 or a stale size: take the rest.
		if (id === 'data' && (size === 0 || off + 8 + size > buf.length)) size = buf.length - off - 8;
		if (id === 'fmt ') fmt = { tag: buf.readUInt16LE(off + 8), channels: buf.readUInt16LE(off + 10),
			rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
		else if (id === 'data') data = buf.subarray(off + 8, off + 8 + size);
		off += 8 + size + (size & 1);
	}
	if (!fmt || !data) throw new Error(`${file}: no fmt or data chunk`);
	if ((fmt.tag !== 1 && fmt.tag !== 0xfffe) || fmt.bits !== 16)
		throw new Error(`${file}: only 16-bit PCM is read here (format ${fmt.tag}, ${fmt.bits} bits)`);
	const frames = Math.floor(data.length / (2 * fmt.channels));
	const samples = new Float32Array(frames);
	for (let i = 0; i < frames; i++) {
		let sum = 0;
		for (let c = 0; c < fmt.channels; c++) sum += data.readInt16LE((i * fmt.channels + c) * 2);
		samples[i] = sum / fmt.channels / 32768;
	}
	return { rate: fmt.rate, channels: fmt.channels, samples };
}

// Amplitude (peak of the sine) of frequency f in samples[from, from+n).
function goertzel(samples, from, n, rate, f) {
	const w = 2 * Math.PI * f / rate, coeff = 2 * Math.cos(w);
	let s1 = 0, s2 = 0;
	for (let i = from; i < from + n; i++) {
		const s0 = samples[i] + coeff * s1 - s2;
		s2 = s1; s1 = s0;
	}
	const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	return 2 * Math.sqrt(Math.max(power, 0)) / n;
}

// Level of each tone in `freqs` over the whole recording (optionally from
// `skip` seconds on), in blocks of 100 ms (a whole number of cycles for any
// frequency that is a multiple of 10 Hz, so neighbours do not leak in).
// Returns { [f]: { amplitude, present } }: amplitude is the RMS over blocks
// of each block's sine amplitude (a steady tone of peak A gives A; a tone
// there half the time gives A/√2); present is the fraction of blocks where
// the tone is above `floor`.
export function toneLevels(file, freqs, { skip = 0, blockMs = 100, floor = 0.01 } = {}) {
	const { rate, samples } = typeof file === 'string' ? readWav(file) : file;
	const n = Math.round(rate * blockMs / 1000);
	const out = {};
	for (const f of freqs) {
		let sumSq = 0, blocks = 0, on = 0;
		for (let from = Math.round(skip * rate); from + n <= samples.length; from += n) {
			const a = goertzel(samples, from, n, rate, f);
			sumSq += a * a; blocks++;
			if (a > floor) on++;
		}
		out[f] = { amplitude: blocks ? Math.sqrt(sumSq / blocks) : 0, present: blocks ? on / blocks : 0 };
	}
	return out;
}

// The strongest frequency between lo and hi Hz (step Hz apart) over the
// loudest second of the recording: { frequency, amplitude }.
export function dominantFrequency(file, { lo = 50, hi = 4000, step = 10 } = {}) {
	const { rate, samples } = typeof file === 'string' ? readWav(file) : file;
	const n = Math.min(rate, samples.length);
	let best = 0, bestEnergy = -1;
	for (let from = 0; from + n <= samples.length; from += n) {
		let e = 0;
		for (let i = from; i < from + n; i++) e += samples[i] * samples[i];
		if (e > bestEnergy) { bestEnergy = e; best = from; }
	}
	let frequency = 0, amplitude = 0;
	for (let f = lo; f <= Math.min(hi, rate / 2); f += step) {
		const a = goertzel(samples, best, n, rate, f);
		if (a > amplitude) { amplitude = a; frequency = f; }
	}
	return { frequency, amplitude };
}

// One line for messages: "rms 0.0012 peak 0.031 (3.9 s), 440 Hz 0.49, 880 Hz 0.0003".
export function describeAudio(file, freqs = []) {
	const s = soxStat(file);
	const t = freqs.length ? toneLevels(file, freqs) : {};
	return `rms ${s.rms} peak ${s.peak} (${s.seconds} s)` +
		freqs.map((f) => `, ${f} Hz ${t[f].amplitude.toFixed(4)} (in ${Math.round(t[f].present * 100)}% of 100 ms blocks)`).join('');
}
