/* parley: configuration, signals, and the order in which the parts start
 * and stop. The main thread becomes the signaling thread. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "api/auth.h"
#include "api/http_front.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/room_directory.h"
#include "api/room_store.h"
#include "api/rooms_api.h"
#include "api/webhook.h"
#include "api/whip.h"
#include "api/ws_server.h"
#include "base/config.h"
#include "base/log.h"
#include "sfu/sfu.h"
#include "sfu/worker.h"
#include "sip/sip_ua.h"

#define WEBHOOK_FLUSH_MS 2000

static struct room_store *store;
static struct room_directory *directory;

static void on_signal(int sig)
{
	ws_server_request_stop();
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Workers address participants by session id; its top byte says whose. */
static void route_to_session(uint64_t session_id, char *json, bool close)
{
	switch (SFU_SESSION_OWNER(session_id)) {
	case SFU_SESSION_WHIP:
		whip_on_session_message(session_id, json, close);
		break;
	case SFU_SESSION_SIP:
		sip_on_session_message(session_id, json, close);
		break;
	default:
		ws_server_post(session_id, json, close);
		break;
	}
}

static int open_store(const struct config *cfg)
{
	if (g_mkdir_with_parents(cfg->data_dir, 0700)) {
		log_error(LOGS_MAIN, "cannot create data_dir %s: %s", cfg->data_dir, strerror(errno));
		return -EIO;
	}
	char *path = g_build_filename(cfg->data_dir, "parley.db", NULL);
	int rc = room_store_open(&store, path);
	g_free(path);
	return rc;
}

static int start_control(const struct config *cfg)
{
	struct room_directory_options o = {
		.workers = worker_count(),
		.max_participants = (unsigned)cfg->max_participants,
		.auto_create = cfg->auto_create_rooms != 0,
	};
	if (room_directory_create(&directory, &o) || rooms_api_start(cfg, directory, store))
		return -EIO;
	metrics_init(directory);
	whip_start(directory);
	if (ws_server_start(cfg, directory) || http_server_start(cfg))
		return -EIO;
	if (sip_start(cfg, directory))
		return -EIO;
	struct http_front_handlers front = { ws_server_adopt, http_server_add_connection };
	return http_front_start(cfg->http_address, cfg->http_port, &front);
}

/* HTTP first: a request in flight may still wait on a worker, which must
 * be running to answer it. SIP hangs up its calls before the workers and
 * the room directory go. */
static void stop_all(void)
{
	http_front_stop();
	http_server_stop();
	sip_stop();
	sfu_stop();
	ws_server_close_sessions();
	whip_stop();
	rooms_api_stop();
	ws_server_destroy();
	webhook_stop(WEBHOOK_FLUSH_MS);
	room_directory_destroy(directory);
	room_store_close(store);
}

static void log_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	log_info(LOGS_MAIN, "stopped after %ld.%03ld s user, %ld.%03ld s system CPU", (long)ru.ru_utime.tv_sec,
		 (long)ru.ru_utime.tv_usec / 1000, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec / 1000);
}

int main(int argc, char **argv)
{
	struct config cfg;
	int rc = config_load(&cfg, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (log_parse_spec(cfg.log)) {
		fprintf(stderr, "parley: bad log spec \"%s\"\n", cfg.log);
		return 2;
	}
	install_signals();
	if (open_store(&cfg) || auth_init(&cfg, store)) {
		room_store_close(store);
		return 1;
	}
	if (webhook_start(cfg.webhook_url, cfg.webhook_secret)) {
		log_error(LOGS_MAIN, "webhook_url must be http(s)://... and needs webhook_secret");
		room_store_close(store);
		return 2;
	}
	if (sfu_start(&cfg, route_to_session, webhook_emit)) {
		webhook_stop(0);
		room_store_close(store);
		return 1;
	}
	if (start_control(&cfg)) {
		stop_all();
		return 1;
	}
	bool v6 = strchr(cfg.http_address, ':') != NULL;
	printf("Parley listening on http://%s%s%s:%d/ - open it in a browser to join a room\n",
	       v6 ? "[" : "", cfg.http_address, v6 ? "]" : "", http_front_port());
	fflush(stdout);
	ws_server_run();
	log_info(LOGS_MAIN, "shutting down");
	stop_all();
	log_cpu();
	return 0;
}
