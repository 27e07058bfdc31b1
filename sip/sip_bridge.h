/* Callers into rooms: what happens between an answered call (sip_call.c)
 * and the room's worker (sfu_sip.h). It installs the call hooks:
 *
 *   answered  -> the caller joins the room as a participant of kind "sip",
 *                named from the caller ID, with a leg: an Opus encoder, an
 *                SSRC and the room's mix;
 *   each tick -> room audio from the workers' taps goes to each room's
 *                sip_room (jitter, decode, mix); the caller's voice is
 *                encoded to Opus with its RFC 6464 level and queued for the
 *                worker, which publishes it like a browser's;
 *   ended     -> the participant leaves; the room's mix goes with its last
 *                caller.
 *
 * SIP thread only; legs and rooms are owned here. */
#ifndef PARLEY_SIP_BRIDGE_H
#define PARLEY_SIP_BRIDGE_H

/* Installs the hooks. Before the SIP thread starts. */
void sip_bridge_install(void);
/* On the SIP thread after every call has ended: frees what is left. */
void sip_bridge_shutdown(void);

#endif
