// The error parley.js throws: a stable code (the server's error codes of
// docs/protocol.md, or the client's own such as out_of_order or too_large)
// with a message and, for server errors, the request's ref.
export class ParleyError extends Error {
	constructor(code, message, ref) {
		super(message || code);
		this.name = 'ParleyError';
		this.code = code;
		this.ref = ref;
	}
}
