/* parley: configuration, signals, and the order in which the parts start
 * and stop. The main thread becomes the signaling thread. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "api/ws_server.h"
#include "base/config.h"
#include "base/log.h"
#include "sfu/sfu.h"

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
	if (sfu_start(&cfg, ws_server_post))
		return 1;
	if (ws_server_start(&cfg)) {
		sfu_stop();
		ws_server_destroy();
		return 1;
	}
	bool v6 = strchr(cfg.http_address, ':') != NULL;
	printf("Parley listening on http://%s%s%s:%d/ - open it in a browser to join a room\n",
	       v6 ? "[" : "", cfg.http_address, v6 ? "]" : "", cfg.http_port);
	fflush(stdout);
	ws_server_run();
	log_info(LOGS_MAIN, "shutting down");
	sfu_stop();
	ws_server_close_sessions();
	ws_server_destroy();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	log_info(LOGS_MAIN, "stopped after %ld.%03ld s user, %ld.%03ld s system CPU", (long)ru.ru_utime.tv_sec,
		 (long)ru.ru_utime.tv_usec / 1000, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec / 1000);
	return 0;
}
