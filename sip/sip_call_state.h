/* The life of one incoming SIP call, as a pure state machine (the INVITE
 * server side of RFC 3261 13.3 and 15): what may happen in each state and
 * what the user agent must do about it. sip_call.c feeds it the events and
 * performs the actions; the unit tests walk every transition.
 *
 *   PROCEEDING --RING--> RINGING --ANSWER--> ANSWERED --ACK--> CONFIRMED
 *        \_________CANCEL (487)_____/            |                 |
 *                                               BYE/HANGUP/timeouts (BYE)
 *   any --> ENDED
 *
 * Plain data, no threads. */
#ifndef PARLEY_SIP_CALL_STATE_H
#define PARLEY_SIP_CALL_STATE_H

enum sip_call_state {
	SIP_CALL_PROCEEDING,  /* 100 sent, routing and media set up */
	SIP_CALL_RINGING,     /* 180 sent */
	SIP_CALL_ANSWERED,    /* 200 sent, waiting for the ACK */
	SIP_CALL_CONFIRMED,   /* ACK received: media flows */
	SIP_CALL_ENDED,
};

enum sip_call_event {
	SIP_CALL_EV_RING,          /* the room accepted: ring */
	SIP_CALL_EV_ANSWER,        /* ringing is over: send 200 */
	SIP_CALL_EV_ACK,           /* ACK for our 200 */
	SIP_CALL_EV_CANCEL,        /* CANCEL from the caller */
	SIP_CALL_EV_BYE,           /* BYE from the caller */
	SIP_CALL_EV_HANGUP,        /* the server hangs up (room ended, kicked) */
	SIP_CALL_EV_ACK_TIMEOUT,   /* no ACK after 64*T1 */
	SIP_CALL_EV_MEDIA_TIMEOUT, /* no RTP for sip_media_timeout_s */
	SIP_CALL_EV_REINVITE,      /* a re-INVITE inside the dialog */
	SIP_CALL_EV_COUNT
};

enum sip_call_action {
	SIP_CALL_DO_NOTHING,     /* allowed, nothing to send */
	SIP_CALL_DO_SEND_180,
	SIP_CALL_DO_SEND_200,
	SIP_CALL_DO_START_MEDIA, /* the dialog is confirmed */
	SIP_CALL_DO_SEND_487,    /* the INVITE was cancelled: 487 to it, 200 to CANCEL */
	SIP_CALL_DO_REJECT_480,  /* hung up before the answer: 480 to the INVITE */
	SIP_CALL_DO_SEND_BYE,    /* we end an established dialog */
	SIP_CALL_DO_END,         /* the caller's BYE: 200 and end */
	SIP_CALL_DO_ANSWER_REINVITE,
	SIP_CALL_DO_REFUSE_491,  /* re-INVITE while our 200 waits for its ACK */
	SIP_CALL_DO_INVALID,     /* the event makes no sense now: ignore it (or 481) */
};

/* Applies ev to *state and returns what to do. */
enum sip_call_action sip_call_state_next(enum sip_call_state *state, enum sip_call_event ev);

const char *sip_call_state_name(enum sip_call_state s);

#endif
