/**
 * Keeps the apiserver from being locked out by sockets that do no work. Node's own
 * `maxConnections` refuses new connections once the cap is reached, so 1,100 raw TCP
 * connections that never start TLS (reopened whenever one is closed) kept every slot full and
 * failed 104 of 104 real reviews. Here, instead, a new connection always gets in, and when a
 * cap is reached the socket that matters least makes room, in this order:
 *
 * 1. the oldest socket that has not finished its TLS handshake and has sent nothing (a real
 *    client sends its ClientHello as soon as it connects);
 * 2. the oldest socket still in its handshake (only for the handshake cap);
 * 3. the oldest TLS connection with no request in progress (a kept-alive client reconnects).
 *
 * Only when every socket is busy with a request is the new one closed. Separately, the
 * handshake timeout ends any handshake that does not complete.
 */
import type { Socket } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface ConnectionCaps {
  /** Open connections, handshaking or not. */
  maxConnections: number;
  /** Connections that have not completed their TLS handshake. */
  maxHandshakes: number;
}

export interface ConnectionGuard {
  /** Sockets closed to make room, by why. */
  evicted(): { silent: number; handshaking: number; idle: number; refused: number };
  open(): number;
}

interface Tracked {
  raw: Socket;
  handshaken: boolean;
  requests: number;
}

export function guardConnections(server: HttpsServer, caps: ConnectionCaps): ConnectionGuard {
  // Insertion order is age: Maps iterate oldest first.
  const sockets = new Map<Socket, Tracked>();
  let handshaking = 0;
  const counts = { silent: 0, handshaking: 0, idle: 0, refused: 0 };

  const forget = (tracked: Tracked) => {
    if (!sockets.delete(tracked.raw)) return;
    if (!tracked.handshaken) handshaking--;
  };

  const evict = (tracked: Tracked, why: 'silent' | 'handshaking' | 'idle') => {
    counts[why]++;
    forget(tracked);
    tracked.raw.destroy();
  };

  /** The oldest socket matching `test`; a scan, but only when a cap is reached. */
  const oldest = (test: (t: Tracked) => boolean): Tracked | undefined => {
    for (const tracked of sockets.values()) if (test(tracked)) return tracked;
    return undefined;
  };
  const silent = (t: Tracked) => !t.handshaken && t.raw.bytesRead === 0;
  const inHandshake = (t: Tracked) => !t.handshaken;
  const idle = (t: Tracked) => t.handshaken && t.requests === 0;

  /** Makes room for one more socket; false when nothing can be closed. */
  const makeRoom = (newcomer: Tracked): boolean => {
    const others = (test: (t: Tracked) => boolean) => (t: Tracked) => t !== newcomer && test(t);
    if (handshaking > caps.maxHandshakes) {
      const victim = oldest(others(silent)) ?? oldest(others(inHandshake));
      if (victim) evict(victim, silent(victim) ? 'silent' : 'handshaking');
    }
    if (sockets.size <= caps.maxConnections) return true;
    const silentVictim = oldest(others(silent));
    if (silentVictim) return (evict(silentVictim, 'silent'), true);
    const idleVictim = oldest(others(idle));
    if (idleVictim) return (evict(idleVictim, 'idle'), true);
    return false;
  };

  server.on('connection', (raw: Socket) => {
    const tracked: Tracked = { raw, handshaken: false, requests: 0 };
    sockets.set(raw, tracked);
    handshaking++;
    raw.once('close', () => forget(tracked));
    if (!makeRoom(tracked)) {
      counts.refused++;
      forget(tracked);
      raw.destroy();
    }
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
    const tracked = raw && sockets.get(raw);
    if (!tracked || tracked.handshaken) return;
    tracked.handshaken = true;
    handshaking--;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const raw = (req.socket as TLSSocket & { _parent?: Socket })._parent;
    const tracked = raw && sockets.get(raw);
    if (!tracked) return;
    tracked.requests++;
    res.once('close', () => tracked.requests--);
  });

  return {
    evicted: () => ({ ...counts }),
    open: () => sockets.size,
  };
}
