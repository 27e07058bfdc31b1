/* One participant as the scenarios see it, whichever server: it joins a
 * room, publishes and/or subscribes, and leaves. On Parley it is one
 * WebSocket and one peer that does both. On Janus's VideoRoom it is a
 * publisher handle with its own peer (we offer) and a subscriber handle with
 * another (Janus offers), as a Janus web client does. Clients are never
 * freed before the process ends. */
#ifndef LG_CLIENT_H
#define LG_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/loadgen/sender.h"

enum server_kind { SERVER_PARLEY, SERVER_JANUS };

struct client_env {
	enum server_kind kind;
	const char *room;            /* Parley room name */
	uint64_t janus_room;
	const struct sender_config *media;
};

struct lg_loop;
struct peer;
struct client;

struct client *client_new(const struct client_env *env, const char *name, bool publish,
			  bool subscribe, struct lg_loop *loop);
/* Parley: joins (the server then offers what the room has). Janus: publishes
 * when asked; subscribes to feeds (n_feeds may be 0: no subscription yet). */
void client_join(struct client *c);
void client_subscribe(struct client *c, const uint64_t *feeds, unsigned n_feeds);
void client_leave(struct client *c);

int64_t client_join_us(const struct client *c);
/* Janus: the publisher's feed id once joined and its PeerConnection is up on
 * Janus's side (webrtcup), else 0. Parley: 1 once its offer was answered
 * (the server knows its tracks). */
uint64_t client_feed(const struct client *c);
/* The peer that receives (may be NULL) and the one that sends (may be NULL). */
struct peer *client_rx_peer(const struct client *c);
struct peer *client_tx_peer(const struct client *c);
const char *client_error(const struct client *c);  /* "" when none */
bool client_publishes(const struct client *c);
bool client_subscribes(const struct client *c);

#endif
