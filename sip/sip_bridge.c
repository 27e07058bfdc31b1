/* The hooks that join calls to rooms, and the per-tick exchange of audio
 * with the workers. */
#include "sip/sip_bridge.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sfu/codecs.h"
#include "sfu/rtp/rtp_packet.h"
#include "sfu/sfu.h"
#include "sfu/sfu_sip.h"
#include "sfu/worker.h"
#include "sip/sip_call.h"
#include "sip/sip_mixer.h"
#include "sip/sip_opus.h"
#include "sip/sip_room.h"

/* RFC 6464's voice flag: set when the frame is louder than about -50 dBov. */
#define VOICE_LEVEL 50

struct mix {
	struct sip_room *room;     /* owned */
	unsigned legs;
};

struct leg {
	struct mix *mix;           /* not owned: rooms holds it while legs > 0 */
	unsigned worker;
	char room[ROOM_NAME_MAX];
	char pid[PARTICIPANT_ID_MAX];
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts_base;
	uint64_t tick0;
	bool sent;
	struct sip_opus_enc *enc;  /* owned; made for enc_rate, NULL if that failed */
	unsigned enc_rate;         /* of the caller's decoded voice; 0 before any */
};

static GHashTable *rooms;      /* room name -> struct mix, owned */
static uint64_t ticks;         /* 20 ms ticks since start: the RTP clock of callers' tracks */

static void mix_free(gpointer p)
{
	struct mix *m = p;
	sip_room_destroy(m->room);
	free(m);
}

static struct mix *mix_get(const char *name)
{
	struct mix *m = g_hash_table_lookup(rooms, name);
	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m || sip_room_create(&m->room, name)) {
		free(m);
		return NULL;
	}
	g_hash_table_insert(rooms, (gpointer)sip_room_name(m->room), m);
	return m;
}

static uint32_t random_ssrc(void)
{
	uint32_t v;
	do
		v = g_random_int();
	while (v == SIP_MIXER_NO_SOURCE);
	return v;
}

static void on_started(struct sip_call *call)
{
	if (!sfu_sip_enabled())
		return;
	struct leg *leg = calloc(1, sizeof(*leg));
	if (!leg) {
		log_error(LOGS_SIP, "call %" PRIu64 ": out of memory for its room leg", sip_call_id(call));
		sip_call_hangup(call, "internal error");
		return;
	}
	leg->worker = sip_call_worker(call);
	g_strlcpy(leg->room, sip_call_room(call), sizeof(leg->room));
	snprintf(leg->pid, sizeof(leg->pid), "s%" PRIx64 "%06x", sip_call_id(call), g_random_int() & 0xffffff);
	leg->ssrc = random_ssrc();
	leg->ts_base = g_random_int();
	leg->tick0 = ticks;
	leg->mix = mix_get(leg->room);
	if (!leg->mix) {
		free(leg);
		sip_call_hangup(call, "internal error");
		return;
	}
	leg->mix->legs++;
	sip_call_set_user(call, leg);
	struct participant_info info = {
		.id = leg->pid, .name = sip_call_display_name(call), .identity = sip_call_caller(call),
		.kind = PARTICIPANT_SIP, .can_publish = true, .can_subscribe = false,
		.session_id = SFU_SESSION_ID(SFU_SESSION_SIP, sip_call_id(call)),
	};
	sfu_join(leg->worker, leg->room, &info);
}

static void on_ended(struct sip_call *call, const char *reason)
{
	struct leg *leg = sip_call_user(call);
	if (!leg)
		return;
	sip_call_set_user(call, NULL);
	sfu_leave(leg->worker, leg->room, leg->pid, reason);
	if (--leg->mix->legs == 0)
		g_hash_table_remove(rooms, leg->room);
	sip_opus_enc_destroy(leg->enc);
	free(leg);
}

/* Encoding the voice at the rate it was decoded at costs G.711 callers less
 * than half of encoding it up-sampled to 48 kHz, and loses nothing. A new
 * rate (a re-INVITE changed the codec) makes a new encoder. */
static void set_encoder(struct sip_call *call, struct leg *leg, unsigned rate)
{
	sip_opus_enc_destroy(leg->enc);
	leg->enc = NULL;
	leg->enc_rate = rate;
	struct sip_opus_enc_config c;
	sip_opus_enc_config_default(&c);
	c.rate = (int)rate;
	int rc = sip_opus_enc_create(&leg->enc, &c);
	if (rc)
		log_error(LOGS_SIP, "call %" PRIu64 ": no Opus encoder at %u Hz (%s): the room will not hear it",
			  sip_call_id(call), rate, strerror(-rc));
}

/* The caller's voice, as the room will hear it: Opus in RTP with its level. */
static void on_voice(struct sip_call *call, const int16_t *pcm, size_t n, unsigned rate)
{
	struct leg *leg = sip_call_user(call);
	if (!leg || n != rate / 50)
		return;
	if (rate != leg->enc_rate)
		set_encoder(call, leg, rate);
	if (!leg->enc)
		return;
	uint8_t level = sip_mixer_level(pcm, n);
	uint8_t ext = (uint8_t)((level < VOICE_LEVEL ? 0x80 : 0) | level);
	struct rtp_header_out h = {
		.marker = !leg->sent, .pt = codec_opus()->pt, .seq = leg->seq,
		.ts = leg->ts_base + (uint32_t)((ticks - leg->tick0) * SIP_OPUS_FRAME), .ssrc = leg->ssrc,
		.n_exts = 1, .exts = { { codec_own_ext_ids.audio_level, 1, &ext } },
	};
	uint8_t pkt[SFU_SIP_PACKET_MAX];
	int hl = rtp_write_header(pkt, sizeof(pkt), &h);
	int pl = hl > 0 ? sip_opus_enc_encode(leg->enc, pcm, pkt + hl, sizeof(pkt) - (size_t)hl) : -1;
	if (pl <= 0)
		return;
	if (sfu_sip_publish(leg->worker, leg->room, leg->pid, pkt, (size_t)(hl + pl))) {
		leg->seq++;
		leg->sent = true;
	}
}

static bool on_fill(struct sip_call *call, int16_t *pcm, size_t n)
{
	struct leg *leg = sip_call_user(call);
	if (!leg || n != SIP_MIXER_FRAME)
		return false;
	sip_room_output(leg->mix->room, leg->ssrc, pcm);
	return true;
}

/* Before the calls' media: what the rooms said since the last tick, mixed. */
static void on_tick(int64_t now_us)
{
	unsigned workers = worker_count();
	for (unsigned w = 0; w < workers; w++) {
		const struct sfu_sip_audio *a;
		while ((a = sfu_sip_next_audio(w))) {
			struct mix *m = g_hash_table_lookup(rooms, a->room);
			if (m)
				sip_room_put(m->room, a, now_us);
			sfu_sip_audio_done(w);
		}
	}
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, rooms);
	while (g_hash_table_iter_next(&it, &k, &v))
		sip_room_mix(((struct mix *)v)->room, now_us);
	ticks++;
}

/* After the calls' media: their voices go to the workers in one wake-up each. */
static void on_tick_done(void)
{
	sfu_sip_flush();
}

void sip_bridge_install(void)
{
	if (!rooms)
		rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, mix_free);
	struct sip_call_hooks hooks = {
		.on_caller_audio = on_voice,
		.fill_room_audio = on_fill,
		.on_call_started = on_started,
		.on_call_ended = on_ended,
		.on_tick = on_tick,
		.on_tick_done = on_tick_done,
	};
	sip_call_set_hooks(&hooks);
}

void sip_bridge_shutdown(void)
{
	if (rooms)
		g_hash_table_destroy(rooms);
	rooms = NULL;
}
