/* WHIP ingest: being written (see api/whip.h); until then every request
 * gets 501 so that the server links. */
#include "api/whip.h"

#include <stdlib.h>

static struct room_directory *directory;

int whip_start(struct room_directory *d)
{
	directory = d;
	return 0;
}

void whip_stop(void)
{
	directory = NULL;
}

void whip_handle(const struct http_request *req, struct http_response *resp)
{
	http_respond_error(resp, 501, "not_implemented", "WHIP is not available yet");
}

void whip_on_session_message(uint64_t session_id, char *json, bool close)
{
	free(json);
}
