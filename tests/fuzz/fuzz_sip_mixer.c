/* libFuzzer target for sip/sip_mixer.c: the input is a script of what
 * remote peers control (their sources' RFC 6464 levels, arriving, leaving,
 * any byte as a level) and of ticks that select, "decode" (a constant
 * per source), mix and render every listener. Checks the mixer's promises:
 * the selection stays within bounds and among known sources, and a
 * listener's frame never contains its own source. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_mixer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_mixer m;
static int16_t pcm[256][SIP_MIXER_FRAME];
static int16_t out[SIP_MIXER_FRAME];

/* Source id i "says" the constant i * 37 (mod 256): distinct and small, so
 * sums never clip and own voices can be told apart. */
static void fill(void)
{
	for (unsigned i = 0; i < 256; i++)
		for (unsigned k = 0; k < SIP_MIXER_FRAME; k++)
			pcm[i][k] = (int16_t)((i * 37) % 256);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int filled;
	struct sip_mixer_config c;
	struct sip_mixer_selection sel;
	struct sip_mixer_input in[SIP_MIXER_MAX_SELECT + 2];
	unsigned ticks = 0;

	if (!filled++)
		fill();
	if (size < 1)
		return 0;
	sip_mixer_config_default(&c);
	c.max_selected = data[0] % 10; /* 0 and 9 are refused */
	c.soft_limit = data[0] & 0x10;
	if (sip_mixer_init(&m, &c))
		sip_mixer_init(&m, NULL);
	data++;
	size--;
	while (size >= 2) {
		uint8_t op = data[0], arg = data[1];
		data += 2;
		size -= 2;
		uint32_t id = arg % 80; /* more than capacity, and 0 */
		/* Ticks are the costly part: one op in eight. */
		switch ((op & 0x13) == 0x13 ? 3 : op & 3 ? (op & 3) % 3 : 0) {
		case 0:
			(void)sip_mixer_add_source(&m, id);
			break;
		case 1:
			(void)sip_mixer_remove_source(&m, id);
			break;
		case 2:
			(void)sip_mixer_set_level(&m, op >> 2 & 1 ? id : (uint32_t)(op >> 3), (int)arg - (op & 0x80 ? 128 : 0));
			break;
		default: {
			unsigned n = sip_mixer_select(&m, &sel);
			if (n != sel.n || n > m.cfg.max_selected)
				abort();
			for (unsigned i = 0; i < n; i++) {
				bool known = false;
				for (unsigned j = 0; j < m.n_sources; j++)
					known |= m.src[j].id == sel.id[i] && m.src[j].selected;
				if (!known)
					abort();
				in[i] = (struct sip_mixer_input){ .id = sel.id[i], .pcm = pcm[sel.id[i]] };
			}
			/* Mixing is plain arithmetic but costs most: only the
			 * first few ticks mix, all of them select. */
			if (++ticks > 4)
				break;
			/* Sometimes a repeat and a stranger too. */
			if (op & 4 && n)
				in[n++] = in[0];
			if (op & 8)
				in[n++] = (struct sip_mixer_input){ .id = 200 + (arg & 31), .pcm = pcm[200 + (arg & 31)] };
			int mixed = sip_mixer_mix(&m, in, n, NULL, 0);
			if (mixed < 0 || mixed > SIP_MIXER_MAX_SELECT)
				abort();
			int32_t total = 0;
			for (unsigned i = 0; i < m.n_contrib; i++)
				total += m.contrib[i][SIP_MIXER_FRAME - 1];
			for (unsigned i = 0; i < m.n_contrib; i++) {
				uint32_t own = m.contrib_id[i];
				sip_mixer_output(&m, own, out);
				if (out[SIP_MIXER_FRAME - 1] != total - pcm[own][0])
					abort();
			}
			sip_mixer_output(&m, SIP_MIXER_NO_SOURCE, out);
			if (out[SIP_MIXER_FRAME - 1] != total)
				abort();
			break;
		}
		}
	}
	return 0;
}
