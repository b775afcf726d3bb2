import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy in front of a server, that a test can stop, restart, or freeze (hold every byte). */
export interface TcpProxy {
  /** The port it listens on (the same across restarts). */
  readonly port: number;
  /** Stops listening and drops every connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Holds every byte in both directions (the server seems to stop answering), until `thaw()`. */
  freeze(): void;
  /** Delivers what was held and forwards again. */
  thaw(): void;
}

/** Starts a proxy on a free port forwarding to `target`. */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const held: Array<() => void> = [];

  const forward = (from: Socket, to: Socket) => {
    from.on("data", (chunk) => {
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };

  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
          socket.on("error", () => socket.destroy());
        }
        forward(client, upstream);
        forward(upstream, client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve(server));
    });

  let server: Server | undefined = await listen(0);
  const port = (server.address() as { port: number }).port;

  return {
    port,
    async stop() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      held.length = 0;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async start() {
      if (!server) server = await listen(port);
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}
