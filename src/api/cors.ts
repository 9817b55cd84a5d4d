// --cors as etcd's CORSHandler: with "*" every response carries the CORS headers with
// origin "*"; with a list, only responses to an allowed Origin do, echoing it. OPTIONS
// is answered 200 with an empty body whatever the list (preflight), as etcd does.
import type { HttpRequest, HttpResponse } from '../pkg/http1/types.js';

const ALLOW_METHODS = 'POST, GET, OPTIONS, PUT, DELETE';
const ALLOW_HEADERS = 'accept, content-type';

export class Cors {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins);
  }

  /** Adds the headers this request gets; returns true when the request is answered. */
  handle(req: HttpRequest, res: HttpResponse): boolean {
    if (this.any) {
      addHeaders(res, '*');
    } else if (this.origins.size > 0) {
      const origin = req.headers.origin;
      if (origin !== undefined && this.origins.has(origin)) addHeaders(res, origin);
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'Content-Length': '0' });
      res.end();
      return true;
    }
    return false;
  }
}

function addHeaders(res: HttpResponse, origin: string): void {
  res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
  res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
  res.setHeader('Access-Control-Allow-Origin', origin);
}
