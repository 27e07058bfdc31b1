/* libFuzzer target for sfu/sdp.c: any input must parse or fail cleanly, and
 * what a successful parse leaves must keep the header's invariants (counts
 * within limits, every string terminated inside its field). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_media(const struct sdp_media *m)
{
	if (m->n_formats > SDP_MAX_FORMATS || m->n_extmaps > SDP_MAX_EXTMAPS ||
	    m->n_ssrcs > SDP_MAX_SSRCS || m->n_ssrc_groups > SDP_MAX_SSRC_GROUPS ||
	    m->n_candidates > SDP_MAX_CANDIDATES || m->n_rids > SDP_MAX_RIDS ||
	    m->direction > SDP_INACTIVE || m->setup > SDP_SETUP_PASSIVE)
		abort();
	if (!TERMINATED(m->kind_name) || !TERMINATED(m->proto) || !TERMINATED(m->mid) ||
	    !TERMINATED(m->msid) || !TERMINATED(m->ice_ufrag) || !TERMINATED(m->ice_pwd) ||
	    !TERMINATED(m->fingerprint) || !TERMINATED(m->connection))
		abort();
	for (unsigned i = 0; i < m->n_formats; i++) {
		const struct sdp_format *f = &m->formats[i];
		if (f->pt > 127 || f->apt > 127 || f->apt < -1 || !TERMINATED(f->name) ||
		    !TERMINATED(f->fmtp) || sdp_media_format(m, f->pt) != &m->formats[i])
			abort();
	}
	for (unsigned i = 0; i < m->n_extmaps; i++)
		if (m->extmaps[i].id == 0 || !TERMINATED(m->extmaps[i].uri) ||
		    sdp_media_extmap(m, m->extmaps[i].uri) == 0)
			abort();
	for (unsigned i = 0; i < m->n_ssrcs; i++) {
		if (!TERMINATED(m->ssrcs[i].cname) || !TERMINATED(m->ssrcs[i].msid))
			abort();
		(void)sdp_media_rtx_ssrc(m, m->ssrcs[i].ssrc);
	}
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		if (m->ssrc_groups[i].n == 0 || m->ssrc_groups[i].n > SDP_MAX_SSRCS ||
		    !TERMINATED(m->ssrc_groups[i].semantics))
			abort();
	for (unsigned i = 0; i < m->n_candidates; i++)
		if (!TERMINATED(m->candidates[i]) || strncmp(m->candidates[i], "candidate:", 10))
			abort();
	for (unsigned i = 0; i < m->n_rids; i++)
		if (!TERMINATED(m->rids[i].id) || !m->rids[i].id[0])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_session *s;
	char err[128];
	if (!s && !(s = calloc(1, sizeof *s)))
		abort();
	memset(err, 'z', sizeof err);
	int rc = sdp_parse(s, (const char *)data, size, err, sizeof err);
	if (!TERMINATED(err))
		abort();
	if (rc) {
		if ((rc != -EINVAL && rc != -E2BIG) || !err[0] || s->n_media || s->n_bundle)
			abort();
		return 0;
	}
	if (s->n_media > SDP_MAX_MEDIA || s->n_bundle > SDP_MAX_BUNDLE)
		abort();
	for (unsigned i = 0; i < s->n_bundle; i++)
		if (!TERMINATED(s->bundle[i]) || !s->bundle[i][0])
			abort();
	for (unsigned i = 0; i < s->n_media; i++)
		check_media(&s->media[i]);
	return 0;
}
