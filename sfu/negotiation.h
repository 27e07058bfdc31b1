/* Offer/answer with a participant (RFC 8829): Parley writes every offer,
 * so payload types and extension ids are its own; answers are checked
 * against the offer and turned into producers, accepted consumers and the
 * transport's remote parameters. Runs on the participant's worker. */
#ifndef PARLEY_NEGOTIATION_H
#define PARLEY_NEGOTIATION_H

#include <jansson.h>
#include <stddef.h>

struct participant;

/* The next offer (g_free it); appends {mid, participant, kind} for each
 * section that carries media to tracks. */
char *negotiation_build_offer(struct participant *p, json_t *tracks);

/* Returns 0, or -EINVAL with a reason in err (nothing changed then). */
int negotiation_apply_answer(struct participant *p, const char *sdp, char *err, size_t errlen);

#endif
