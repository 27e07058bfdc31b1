/* The call state machine: see sip_call_state.h. One table row per state,
 * one column per event; the table is the whole specification. */
#include "sip/sip_call_state.h"

struct step {
	enum sip_call_action action;
	enum sip_call_state next;
};

#define X { SIP_CALL_DO_INVALID, 0 }   /* next is ignored for INVALID */
#define S(a, n) { SIP_CALL_DO_##a, SIP_CALL_##n }

static const struct step table[SIP_CALL_ENDED + 1][SIP_CALL_EV_COUNT] = {
	/*               RING              ANSWER                ACK                      CANCEL
	 *               BYE               HANGUP                ACK_TIMEOUT              MEDIA_TIMEOUT
	 *               REINVITE */
	[SIP_CALL_PROCEEDING] = {
		S(SEND_180, RINGING), S(SEND_200, ANSWERED), X, S(SEND_487, ENDED),
		X, S(REJECT_480, ENDED), X, X,
		X },
	[SIP_CALL_RINGING] = {
		X, S(SEND_200, ANSWERED), X, S(SEND_487, ENDED),
		X, S(REJECT_480, ENDED), X, X,
		X },
	/* A BYE before the ACK is legal (the ACK may be lost); it ends the call. */
	[SIP_CALL_ANSWERED] = {
		X, X, S(START_MEDIA, CONFIRMED), S(NOTHING, ANSWERED),
		S(END, ENDED), S(SEND_BYE, ENDED), S(SEND_BYE, ENDED), X,
		S(REFUSE_491, ANSWERED) },
	[SIP_CALL_CONFIRMED] = {
		X, X, S(NOTHING, CONFIRMED), S(NOTHING, CONFIRMED),
		S(END, ENDED), S(SEND_BYE, ENDED), X, S(SEND_BYE, ENDED),
		S(ANSWER_REINVITE, CONFIRMED) },
	[SIP_CALL_ENDED] = {
		X, X, X, X,
		X, X, X, X,
		X },
};

enum sip_call_action sip_call_state_next(enum sip_call_state *state, enum sip_call_event ev)
{
	if ((unsigned)*state > SIP_CALL_ENDED || (unsigned)ev >= SIP_CALL_EV_COUNT)
		return SIP_CALL_DO_INVALID;
	struct step s = table[*state][ev];
	if (s.action != SIP_CALL_DO_INVALID)
		*state = s.next;
	return s.action;
}

const char *sip_call_state_name(enum sip_call_state s)
{
	static const char *const names[] = { "proceeding", "ringing", "answered", "confirmed", "ended" };
	return (unsigned)s <= SIP_CALL_ENDED ? names[s] : "?";
}
