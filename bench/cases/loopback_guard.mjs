// Preloaded (`node --import`) into every Node 24 case of the GitHub Action section: a connection to
// anything but loopback ends the process (exit 99) before a byte is sent. The official action is a
// 3 MB bundle of the AWS SDK; this makes sure it only ever talks to the emulator. Every case of the
// section loads it, so it costs them alike.
import net from "node:net";
import process from "node:process";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options = typeof args[0] === "object" && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  const host = options.host ?? "localhost";
  if (!options.path && !LOOPBACK.has(host)) {
    process.stderr.write(`loopback guard: refused a connection to ${host}:${options.port}\n`);
    process.exit(99);
  }
  return connect.apply(this, args);
};
