// /v2/members: GET the list (or /v2/members/leader), POST {"peerURLs": [...]} to add,
// DELETE /v2/members/<id> to remove, PUT /v2/members/<id> to change peer URLs; statuses
// and messages as etcd's membersHandler.
import type { HttpRequest, HttpResponse } from '../pkg/http1/types.js';
import { ServerError, type ServerErrorCode } from '../server/errors.js';
import { BodyReadError, BodyTooLargeError, readBody } from './http-util.js';
import { decodePeerURLs } from './members-request.js';
import { goHttpError, jsonMessage, methodNotAllowed, writeJSON } from './respond.js';
import { ApiError, type MemberView, type MembersApi } from './server-api.js';

const PREFIX = '/v2/members';
/**
 * etcd 2.0.13 reads a members body without limit; a peer URL list is tiny, so past 1 MiB
 * we answer 413 rather than hold the bytes (enough for Go's 10000-level nesting error).
 */
const MAX_BODY = 1024 * 1024;

export function memberJSON(m: MemberView): string {
  return JSON.stringify({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs });
}

export async function handleMembers(
  req: HttpRequest,
  res: HttpResponse,
  path: string,
  api: MembersApi,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST' && method !== 'DELETE' && method !== 'PUT') {
    methodNotAllowed(res, 'GET,POST,DELETE,PUT');
    return;
  }
  res.setHeader('X-Etcd-Cluster-Id', api.clusterId());
  const rest = path.length > PREFIX.length ? path.slice(PREFIX.length + 1) : '';
  switch (method) {
    case 'GET': {
      if (rest === '') {
        writeJSON(res, 200, `{"members":[${api.members().map(memberJSON).join(',')}]}\n`);
        return;
      }
      if (rest === 'leader') {
        const lead = api.leader();
        const m = api.members().find((x) => x.id === lead);
        if (m === undefined) {
          jsonMessage(res, 503, 'During leader election');
          return;
        }
        writeJSON(res, 200, `${memberJSON(m)}\n`);
        return;
      }
      jsonMessage(res, 404, 'Not found');
      return;
    }
    case 'POST': {
      // etcd's mux sends /v2/members/<x> here too; a POST needs no ID.
      const urls = await peerURLsBody(req, res);
      if (urls === null) return;
      await answer(res, 'POST', '', async () => {
        const m = await api.addMember(urls);
        writeJSON(res, 201, `${memberJSON(m)}\n`);
      });
      return;
    }
    case 'DELETE': {
      const id = memberId(rest, res);
      if (id === null) return;
      await answer(res, 'DELETE', id, async () => {
        await api.removeMember(id);
        noContent(res);
      });
      return;
    }
    case 'PUT': {
      const id = memberId(rest, res);
      if (id === null) return;
      const urls = await peerURLsBody(req, res);
      if (urls === null) return;
      await answer(res, 'PUT', id, async () => {
        await api.updateMember(id, urls);
        noContent(res);
      });
      return;
    }
  }
}

type ChangeMethod = 'POST' | 'DELETE' | 'PUT';

/** Runs a membership change; its error becomes etcd's members-API answer. */
async function answer(
  res: HttpResponse,
  method: ChangeMethod,
  id: string,
  change: () => Promise<void>,
): Promise<void> {
  try {
    await change();
  } catch (e) {
    apiError(res, method, id, e);
  }
}

function noContent(res: HttpResponse): void {
  res.writeHead(204);
  res.end();
}

function memberId(rest: string, res: HttpResponse): string | null {
  if (rest === '') {
    goHttpError(res, 405, 'Method Not Allowed');
    return null;
  }
  if (!/^[0-9a-fA-F]{1,16}$/.test(rest)) {
    jsonMessage(res, 404, `No such member: ${rest}`);
    return null;
  }
  return BigInt(`0x${rest}`).toString(16);
}

/** The request's peer URLs, or null once the error is answered (etcd's unmarshalRequest). */
async function peerURLsBody(req: HttpRequest, res: HttpResponse): Promise<string[] | null> {
  // Go compares the whole header: a charset parameter is refused too.
  const ct = req.headers['content-type'] ?? '';
  if (ct !== 'application/json') {
    req.resume();
    jsonMessage(res, 415, `Bad Content-Type ${ct}, accept application/json`);
    return null;
  }
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY);
  } catch (e) {
    if (e instanceof BodyReadError) {
      jsonMessage(res, 400, e.message);
      return null;
    }
    if (!(e instanceof BodyTooLargeError)) throw e;
    res.setHeader('Connection', 'close');
    jsonMessage(res, 413, 'http: request body too large');
    return null;
  }
  const r = decodePeerURLs(body);
  if ('error' in r) {
    jsonMessage(res, 400, r.error);
    return null;
  }
  return r.urls;
}

/**
 * etcd 2.0.13's membersHandler answers some of the server's errors per method; any other
 * (ErrIDRemoved on a POST or PUT, a timeout) is a 500 "Internal Server Error". A DELETE that
 * the log refuses because another removal of the same member got there first (ErrIDRemoved)
 * is a 410, as when the removal was known before proposing.
 */
const STATUS: Record<ChangeMethod, Partial<Record<ServerErrorCode, number>>> = {
  POST: { IDExists: 409, PeerURLExists: 409 },
  DELETE: { MemberRemoved: 410, IDRemoved: 410, MemberNotFound: 404 },
  PUT: { PeerURLExists: 409, MemberNotFound: 404 },
};

function apiError(res: HttpResponse, method: ChangeMethod, id: string, e: unknown): void {
  if (e instanceof ApiError) {
    jsonMessage(res, e.status, e.message);
    return;
  }
  const status = e instanceof ServerError ? STATUS[method][e.code] : undefined;
  if (status === undefined) jsonMessage(res, 500, 'Internal Server Error');
  else if (status === 410) jsonMessage(res, 410, `Member permanently removed: ${id}`);
  else jsonMessage(res, status, (e as ServerError).message);
}
