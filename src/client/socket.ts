import { connect as netConnect, type Socket } from 'node:net';
import { ConnectionError, ErrorCode } from '../errors.js';
import { formatEndpoint, type Endpoint } from '../transport/endpoint.js';

/** Opens a socket to `e`; rejects with CONNECT_FAILED on an error or after `timeoutMs`. */
export function openSocket(e: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = e.kind === 'unix' ? netConnect(e.path) : netConnect({ host: e.host, port: e.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `Timeout connecting to ${formatEndpoint(e)}`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `Failed to connect to ${formatEndpoint(e)}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
