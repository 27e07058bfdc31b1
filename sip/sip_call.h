/* One SIP call: a caller in a room. The hooks below are where the room
 * meets the call's audio; they run on the SIP thread, every 20 ms while the
 * call is established, and must not block (the room side passes frames
 * through bounded queues). By default they do nothing: callers hear
 * silence and their voice goes nowhere, but RTP flows both ways.
 *
 * A struct sip_call belongs to the SIP thread, which frees it when the call
 * ends; use the pointer only inside hooks or other code on that thread. */
#ifndef PARLEY_SIP_CALL_H
#define PARLEY_SIP_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sip_call;

struct sip_call_hooks {
	/* 20 ms of the caller's voice, mono at 8000, 16000 or 48000 Hz (as its
	 * codec decodes; only while the caller sends). */
	void (*on_caller_audio)(struct sip_call *call, const int16_t *pcm, size_t samples,
				unsigned rate);
	/* Fills what the caller hears (48 kHz mono); false: comfort silence. */
	bool (*fill_room_audio)(struct sip_call *call, int16_t *pcm48k, size_t samples);
	/* The call is established in its room / has ended (reason as logged). */
	void (*on_call_started)(struct sip_call *call);
	void (*on_call_ended)(struct sip_call *call, const char *reason);
	/* Every 20 ms: before any call's media tick, and after the last. */
	void (*on_tick)(int64_t now_us);
	void (*on_tick_done)(void);
};

/* Sets the hooks (NULL members: no-ops). Call before sip_start. */
void sip_call_set_hooks(const struct sip_call_hooks *hooks);

/* Server-initiated hang-up (the room ended, the participant was removed):
 * BYE for an established call, 480 for one not answered yet. reason is
 * logged. SIP thread only. */
void sip_call_hangup(struct sip_call *call, const char *reason);

uint64_t sip_call_id(const struct sip_call *call);      /* unique per process */
const char *sip_call_room(const struct sip_call *call);
const char *sip_call_caller(const struct sip_call *call); /* the From URI */
/* The From display name, else the From user part ("+4930123456"), else "caller". */
const char *sip_call_display_name(const struct sip_call *call);
unsigned sip_call_worker(const struct sip_call *call);   /* the room's worker */
void sip_call_set_user(struct sip_call *call, void *user);
void *sip_call_user(const struct sip_call *call);

#endif
