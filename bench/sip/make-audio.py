#!/usr/bin/env python3
"""Writes the callers' audio for the SIP benchmark (bench/run.py --only sip).

  bench/sip/make-audio.py [DIR]     (default: this folder)

speech.ulaw   10 s of speech-like sound: voiced "syllables" (a glottal pulse
              train at 100-200 Hz, gliding, through two formant resonators
              that move), a 3-5 per second syllable rhythm, phrase pauses.
silence.ulaw  1 s of digital silence (0 after decoding).

Both are headerless G.711 mu-law, 8 kHz mono: SIPp 3.6.1's
<exec rtp_stream="FILE,LOOPS,0"/> sends a file's bytes as they are, 160 per
20 ms packet, so a WAV header would go out as audio once per loop.
Deterministic (fixed seed): the committed files are this script's output.
"""
import math
import os
import random
import sys

RATE = 8000


def ulaw(x):
    """16-bit linear sample -> G.711 mu-law byte."""
    BIAS, CLIP = 0x84, 32635
    sign = 0x80 if x < 0 else 0
    x = min(abs(int(x)), CLIP) + BIAS
    exp = 7
    mask = 0x4000
    while exp > 0 and not x & mask:
        exp -= 1
        mask >>= 1
    mant = (x >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


class Resonator:
    """Two-pole band-pass (a formant)."""

    def __init__(self):
        self.y1 = self.y2 = 0.0

    def run(self, x, freq, bw):
        r = math.exp(-math.pi * bw / RATE)
        a1 = 2 * r * math.cos(2 * math.pi * freq / RATE)
        a2 = -r * r
        y = (1 - r) * x + a1 * self.y1 + a2 * self.y2
        self.y2, self.y1 = self.y1, y
        return y


def speech(seconds=10.0, seed=7):
    rnd = random.Random(seed)
    # A plan of segments: (length in samples, voiced?, f0 start, f0 end, F1, F2, loudness)
    plan, t = [], 0
    while t < seconds * RATE:
        if plan and rnd.random() < 0.15:   # a pause between phrases
            n = int(rnd.uniform(0.25, 0.6) * RATE)
            plan.append((n, False, 0, 0, 0, 0, 0))
        else:
            n = int(rnd.uniform(0.2, 0.33) * RATE)
            f0 = rnd.uniform(100, 200)
            plan.append((n, True, f0, f0 * rnd.uniform(0.8, 1.2), rnd.uniform(300, 850),
                         rnd.uniform(900, 2300), rnd.uniform(0.5, 1.0)))
        t += n
    f1, f2 = Resonator(), Resonator()
    out, phase = [], 0.0
    for n, voiced, f0a, f0b, F1, F2, loud in plan:
        for i in range(n):
            if not voiced:
                out.append(rnd.gauss(0, 15))   # room noise
                continue
            k = i / n
            f0 = f0a + (f0b - f0a) * k
            phase += f0 / RATE
            pulse = 1.0 if phase >= 1.0 else 0.0
            phase -= math.floor(phase)
            env = math.sin(math.pi * k) ** 0.7   # the syllable's rise and fall
            src = pulse * 4000 + rnd.gauss(0, 150)
            y = f1.run(src, F1, 90) * 1.0 + f2.run(src, F2, 140) * 0.6
            out.append(y * env * loud * 6 + rnd.gauss(0, 15))
    prev_x = prev_y = 0.0   # DC blocker: the resonators pass some DC
    for i, x in enumerate(out):
        prev_y = x - prev_x + 0.995 * prev_y
        prev_x, out[i] = x, prev_y
    peak = max(abs(v) for v in out)
    scale = 20000 / peak   # peaks at about -4 dBFS
    return bytes(ulaw(v * scale) for v in out[:int(seconds * RATE)])


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(d, 'speech.ulaw'), 'wb') as f:
        f.write(speech())
    with open(os.path.join(d, 'silence.ulaw'), 'wb') as f:
        f.write(bytes([ulaw(0)]) * RATE)


if __name__ == '__main__':
    main()
