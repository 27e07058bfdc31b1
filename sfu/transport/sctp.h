/* One SCTP association carried over DTLS (RFC 8261) for WebRTC data
 * channels, on usrsctp in its thread-less AF_CONN mode. usrsctp is one
 * global state machine: every call into it happens under one library lock
 * (sctp.c), and nothing is called back while that lock is held — packets to
 * send and messages received are queued inside the lock and handed to the
 * callbacks after it is released, on the thread that owns the association.
 * Owned by a participant's transport; lives on its worker. */
#ifndef PARLEY_SCTP_H
#define PARLEY_SCTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCTP_PPID_DCEP 50
#define SCTP_PPID_STRING 51
#define SCTP_PPID_BINARY 53
#define SCTP_PPID_STRING_EMPTY 56
#define SCTP_PPID_BINARY_EMPTY 57

#define SCTP_MAX_MESSAGE (256 * 1024)

struct sctp_callbacks {
	/* An SCTP packet to send to the peer inside DTLS. */
	void (*send)(void *arg, const uint8_t *data, size_t len);
	/* A complete (reassembled) user message on a stream. Empty messages
	 * (PPID 56/57 on the wire) arrive as PPID 51/53 with len 0. */
	void (*message)(void *arg, uint16_t stream, uint32_t ppid, const uint8_t *data, size_t len);
	/* The peer reset (closed) an incoming stream. */
	void (*stream_closed)(void *arg, uint16_t stream);
	/* The association came up (both roles). */
	void (*connected)(void *arg);
	/* The association failed or was shut down by the peer. */
	void (*closed)(void *arg);
};

/* Once at start (usrsctp_init_nothreads; usrsctp 0.9.5 still starts its own
 * "iterator" thread, which never calls us for AF_CONN associations). */
int sctp_library_init(void);
void sctp_library_shutdown(void);
/* Drives usrsctp's timers with the real elapsed time (it retransmits by
 * wall-clock age); call every 10 ms or so from any one thread. Output it
 * produces is queued on its association and flushed by sctp_assoc_poll. */
void sctp_library_tick(uint32_t elapsed_ms);

struct sctp_reliability {
	bool ordered;
	int max_retransmits;    /* -1: unlimited */
	int max_lifetime_ms;    /* -1: unlimited */
};

struct sctp_assoc;

/* port: both sides' SCTP port from SDP (5000 by default). client: the DTLS
 * role, kept for the record; both sides send INIT, as browsers do, since an
 * AF_CONN socket that neither connects nor listens refuses the peer's INIT.
 * max_message: what the peer accepts (a=max-message-size), capped at
 * SCTP_MAX_MESSAGE, 0 meaning that cap; larger sends are refused.
 * Returns 0 or -EIO/-ENOMEM. */
int sctp_assoc_create(struct sctp_assoc **out, uint16_t local_port, uint16_t remote_port,
		      bool client, size_t max_message, const struct sctp_callbacks *cb, void *arg);
/* Aborts the association; no callbacks after it returns. NULL is fine. */
void sctp_assoc_destroy(struct sctp_assoc *a);

/* Starts the association (sends INIT). A second call returns -EALREADY. */
int sctp_assoc_connect(struct sctp_assoc *a);
/* Feeds one SCTP packet that arrived inside DTLS, then delivers callbacks. */
void sctp_assoc_receive(struct sctp_assoc *a, const uint8_t *data, size_t len);
/* Delivers queued output and events (after sctp_library_tick ran elsewhere). */
void sctp_assoc_poll(struct sctp_assoc *a);

/* Sends one message; len 0 only with PPID 56/57. Returns 0, -EMSGSIZE (over
 * max_message), -EINVAL, -EAGAIN (the
 * association's send buffer is over its bound: for unreliable data the caller
 * drops and counts, for reliable data it must wait), -ENOTCONN or -EIO. */
int sctp_assoc_send(struct sctp_assoc *a, uint16_t stream, uint32_t ppid, const uint8_t *data,
		    size_t len, const struct sctp_reliability *rel);
/* Bytes queued in the send buffer, not yet acknowledged. */
size_t sctp_assoc_buffered(struct sctp_assoc *a);
/* Closes an outgoing stream (RFC 8831 channel close). */
int sctp_assoc_reset_stream(struct sctp_assoc *a, uint16_t stream);

#endif
