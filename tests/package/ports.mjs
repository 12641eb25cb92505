// A free loopback port (for servers the package tests start).
import { createServer } from "node:net";

export const freePort = () =>
  new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
