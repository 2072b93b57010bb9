/**
 * `ws` as the server uses it (packages/server's copy), typed by its @types/ws: the repository
 * root does not depend on `ws`, so it is loaded from the server package.
 */
import { createRequire } from 'node:module';
import type WebSocketModule from '../../packages/server/node_modules/@types/ws/index.js';

const load = createRequire(new URL('../../packages/server/package.json', import.meta.url));
const ws = load('ws') as typeof WebSocketModule;

export const WebSocket = ws;
export type WebSocket = WebSocketModule;
export const WebSocketServer = ws.Server;
