"""A TCP proxy on loopback that a test can cut and restore, to play a database outage.

Stopping the shared MariaDB server would break every other test run on the machine, so
the server under test reaches the database through this proxy instead. Cutting it closes
the listening socket (new connections are refused at once, like a stopped server) and
closes every forwarded connection (what a server restart does to persistent
connections). Restoring it listens again on the same port. `blackhole()` instead makes
the port drop new connection attempts unanswered, like a host that went off the network,
so a client waits for its own connect timeout. `hang()` keeps every connection open and
accepts new ones but relays nothing, like a database server that stopped answering.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field

_CHUNK = 65536


@dataclass(eq=False)  # compared and hashed by identity, to live in a set
class _Pair:
    """One forwarded connection: the client's socket and ours to the upstream server."""

    downstream: socket.socket
    upstream: socket.socket
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        """Shut both sides down so that each peer sees the connection end right away."""
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.downstream, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `upstream_host`:`upstream_port`, one thread per direction."""

    def __init__(self, upstream_host: str, upstream_port: int, port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.accepted = 0
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._blackhole_sockets: list[socket.socket] = []
        self._hung = threading.Event()
        self._held: list[socket.socket] = []

    # --- the switch ----------------------------------------------------------------

    def start(self) -> TcpProxy:
        """Listen (again) on the same port; the first call picks a free port if none was given."""
        if self._listener is not None:
            raise RuntimeError("The proxy is already listening.")
        self._close_blackhole()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Reusing the port right after a cut: its closed connections linger in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(listener,), name=f"tcp-proxy-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def cut(self) -> None:
        """Refuse new connections and end every open one, like a database server going down."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        self._close_blackhole()
        with self._lock:
            pairs, self._pairs = list(self._pairs), set()
        for pair in pairs:
            pair.close()

    def blackhole(self) -> None:
        """Cut, then leave the port so that connection attempts go unanswered.

        A listening socket that never accepts, with its one-slot backlog already full:
        Linux then drops further SYNs, so a client's connect() hangs until its own timeout
        instead of being refused.
        """
        self.cut()
        sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sink.bind(("127.0.0.1", self.port))
        sink.listen(0)
        self._blackhole_sockets.append(sink)
        for _ in range(2):  # a backlog of 0 still queues one connection; fill it
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._blackhole_sockets.append(filler)

    def hang(self) -> None:
        """Stay connected and accept new connections, but relay nothing: a hung server."""
        self._hung.set()

    def resume(self) -> None:
        """Answer again; the connections open while hung lost their place and are ended."""
        self._hung.clear()
        for sock in self._held:
            sock.close()
        self._held = []
        with self._lock:
            pairs, self._pairs = list(self._pairs), set()
        for pair in pairs:
            pair.close()

    def close(self) -> None:
        self.resume()
        self.cut()

    @property
    def listening(self) -> bool:
        return self._listener is not None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    # --- forwarding ----------------------------------------------------------------

    def _close_blackhole(self) -> None:
        for sock in self._blackhole_sockets:
            sock.close()
        self._blackhole_sockets = []

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                downstream, _ = listener.accept()
            except OSError:
                return  # cut
            if self._hung.is_set():
                self._held.append(downstream)  # accepted, never answered
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                downstream.close()
                continue
            pair = _Pair(downstream, upstream)
            with self._lock:
                if self._listener is not listener:  # cut while connecting upstream
                    pair.close()
                    return
                self._pairs.add(pair)
                self.accepted += 1
            for source, target in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(pair, source, target), daemon=True).start()

    def _pump(self, pair: _Pair, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                if not self._hung.is_set():
                    target.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._pairs.discard(pair)
            pair.close()
