/**
 * How long an idle connection to a destination stays open: long enough to carry the events of one
 * evaluation's burst (and a resolve's follow-up), shorter than the idle timeout of the servers and proxies in
 * between, so a request is not written into a connection the other side is just closing. Node's own
 * keep-alive agent (since 19) and undici use 5 s and 4 s.
 */
export const IDLE_CONNECTION_MS = 4_000;

/**
 * Options of a receiver's `http.Agent` / `https.Agent`: connections kept open between requests (a new one
 * costs the TCP handshake, and for HTTPS the TLS handshake and the certificate check), closed after
 * `IDLE_CONNECTION_MS` idle. Idle connections do not keep Node alive.
 */
export const KEEP_ALIVE_AGENT = { keepAlive: true, timeout: IDLE_CONNECTION_MS } as const;
