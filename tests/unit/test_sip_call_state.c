/* Unit tests for sip/sip_call_state.c: the call's life, event by event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sip/sip_call_state.h"

static void step(enum sip_call_state *s, enum sip_call_event ev, enum sip_call_action want,
		 enum sip_call_state then)
{
	assert_int_equal(sip_call_state_next(s, ev), want);
	assert_int_equal(*s, then);
}

static void test_answer_and_bye(void **state)
{
	enum sip_call_state s = SIP_CALL_PROCEEDING;
	step(&s, SIP_CALL_EV_RING, SIP_CALL_DO_SEND_180, SIP_CALL_RINGING);
	step(&s, SIP_CALL_EV_ANSWER, SIP_CALL_DO_SEND_200, SIP_CALL_ANSWERED);
	step(&s, SIP_CALL_EV_REINVITE, SIP_CALL_DO_REFUSE_491, SIP_CALL_ANSWERED);
	step(&s, SIP_CALL_EV_ACK, SIP_CALL_DO_START_MEDIA, SIP_CALL_CONFIRMED);
	step(&s, SIP_CALL_EV_ACK, SIP_CALL_DO_NOTHING, SIP_CALL_CONFIRMED);  /* re-INVITE's ACK */
	step(&s, SIP_CALL_EV_REINVITE, SIP_CALL_DO_ANSWER_REINVITE, SIP_CALL_CONFIRMED);
	step(&s, SIP_CALL_EV_CANCEL, SIP_CALL_DO_NOTHING, SIP_CALL_CONFIRMED);
	step(&s, SIP_CALL_EV_BYE, SIP_CALL_DO_END, SIP_CALL_ENDED);
	step(&s, SIP_CALL_EV_BYE, SIP_CALL_DO_INVALID, SIP_CALL_ENDED);
	step(&s, SIP_CALL_EV_HANGUP, SIP_CALL_DO_INVALID, SIP_CALL_ENDED);
}

static void test_cancel(void **state)
{
	enum sip_call_state s = SIP_CALL_PROCEEDING;
	step(&s, SIP_CALL_EV_CANCEL, SIP_CALL_DO_SEND_487, SIP_CALL_ENDED);
	s = SIP_CALL_RINGING;
	step(&s, SIP_CALL_EV_CANCEL, SIP_CALL_DO_SEND_487, SIP_CALL_ENDED);
	s = SIP_CALL_ANSWERED;  /* too late: the 200 crossed the CANCEL */
	step(&s, SIP_CALL_EV_CANCEL, SIP_CALL_DO_NOTHING, SIP_CALL_ANSWERED);
}

static void test_server_hangup(void **state)
{
	enum sip_call_state s = SIP_CALL_RINGING;
	step(&s, SIP_CALL_EV_HANGUP, SIP_CALL_DO_REJECT_480, SIP_CALL_ENDED);
	s = SIP_CALL_CONFIRMED;
	step(&s, SIP_CALL_EV_HANGUP, SIP_CALL_DO_SEND_BYE, SIP_CALL_ENDED);
	s = SIP_CALL_CONFIRMED;
	step(&s, SIP_CALL_EV_MEDIA_TIMEOUT, SIP_CALL_DO_SEND_BYE, SIP_CALL_ENDED);
	s = SIP_CALL_ANSWERED;
	step(&s, SIP_CALL_EV_ACK_TIMEOUT, SIP_CALL_DO_SEND_BYE, SIP_CALL_ENDED);
	s = SIP_CALL_ANSWERED;  /* BYE before the ACK (the ACK was lost) */
	step(&s, SIP_CALL_EV_BYE, SIP_CALL_DO_END, SIP_CALL_ENDED);
}

static void test_nonsense_is_refused(void **state)
{
	enum sip_call_state s = SIP_CALL_PROCEEDING;
	step(&s, SIP_CALL_EV_ACK, SIP_CALL_DO_INVALID, SIP_CALL_PROCEEDING);
	step(&s, SIP_CALL_EV_BYE, SIP_CALL_DO_INVALID, SIP_CALL_PROCEEDING);
	step(&s, SIP_CALL_EV_MEDIA_TIMEOUT, SIP_CALL_DO_INVALID, SIP_CALL_PROCEEDING);
	s = SIP_CALL_RINGING;
	step(&s, SIP_CALL_EV_RING, SIP_CALL_DO_INVALID, SIP_CALL_RINGING);
	step(&s, SIP_CALL_EV_REINVITE, SIP_CALL_DO_INVALID, SIP_CALL_RINGING);
	s = SIP_CALL_CONFIRMED;
	step(&s, SIP_CALL_EV_ANSWER, SIP_CALL_DO_INVALID, SIP_CALL_CONFIRMED);
	step(&s, SIP_CALL_EV_COUNT, SIP_CALL_DO_INVALID, SIP_CALL_CONFIRMED);
	assert_string_equal(sip_call_state_name(SIP_CALL_CONFIRMED), "confirmed");
	assert_string_equal(sip_call_state_name((enum sip_call_state)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_and_bye),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_server_hangup),
		cmocka_unit_test(test_nonsense_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
