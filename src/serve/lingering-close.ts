// Lingering close for `attn serve`'s connections: a refused body's answer reaches a client that
// is still sending it (LingeringClose).

/** How long a socket is kept reading (and dropping) a refused body after its answer: nginx's lingering_time is 30 s, its lingering_timeout 5 s. */
const LINGER_MS = 5_000;

/** The parts of a connection's socket that lingering close uses. */
export interface LingeringSocket {
  destroySoon(): void;
  end(): unknown;
  destroy(): unknown;
  resume(): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
}

/**
 * Lingering close, as nginx does it, for connections whose request body was refused before it was
 * read to its end (413). Node closes such a socket as soon as the answer is written; the bytes the
 * client is still sending then reach a closed socket, the kernel answers them with a reset, and a
 * client that had not read the answer yet loses it (it sees EPIPE or ECONNRESET, never the 413).
 * Instead the server half-closes (its FIN follows the answer), reads and drops whatever still
 * comes, and closes when the client closes its side or after LINGER_MS.
 */
export class LingeringClose {
  /** Sockets whose refused body's rest is dropped: the HTTP parser's complaints about it are not errors. */
  private readonly refused = new WeakSet<object>();
  /** Sockets answered and lingering: the server's close() cuts them short. */
  private readonly lingering = new Set<LingeringSocket>();

  /** Called before the answer to a refused body goes out. */
  refuse(socket: LingeringSocket): void {
    this.refused.add(socket);
    socket.destroySoon = () => {
      this.lingering.add(socket);
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      timer.unref?.();
      socket.once('close', () => {
        clearTimeout(timer);
        this.lingering.delete(socket);
      });
      socket.once('end', () => socket.destroy());
      socket.end();
      socket.resume();
    };
  }

  /** Whether a client error on this socket is the refused body's rest being dropped. */
  isDropping(socket: object): boolean {
    return this.refused.has(socket);
  }

  /** Closes every lingering socket now (the server is closing). */
  closeAll(): void {
    for (const socket of this.lingering) socket.destroy();
  }
}
