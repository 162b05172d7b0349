import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../control/key-directory.ts';

/**
 * Who may call a route, checked once by the server before the handler runs: `none` (anyone),
 * `admin` (an admin key), or `plane` (the plane authenticates itself: the gateway meters the
 * requests it refuses, 401s included).
 */
export type RouteAuth = 'none' | 'admin' | 'plane';

/** One route of a plane's table. */
export interface ServerRoute {
  method: string;
  /** An exact path, or a prefix ending in `/*` (the plane routes below it). */
  path: string;
  auth: RouteAuth;
  /** For `admin` routes: why a key that is not an admin key is refused (`/admin needs one …`). */
  denied?: string;
  handle(request: IncomingMessage, response: ServerResponse, call: RouteCall): void | Promise<void>;
}

export interface RouteCall {
  path: string;
  query: URLSearchParams;
  /** The authenticated caller, for `admin` routes. */
  principal: Principal | null;
}
