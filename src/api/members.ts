// /v2/members: GET the list (or /v2/members/leader), POST {"peerURLs": [...]} to add,
// DELETE /v2/members/<id> to remove, PUT /v2/members/<id> to change peer URLs; statuses
// and messages as etcd's membersHandler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseEtcdUrl } from '../pkg/urls.js';
import { BodyTooLargeError, readBody } from './http-util.js';
import { goHttpError, jsonMessage, methodNotAllowed, writeJSON } from './respond.js';
import { ServerError, type ServerErrorCode } from '../server/errors.js';
import { ApiError, type MemberView, type MembersApi } from './server-api.js';
import { goJsonSyntaxError } from '../pkg/go-json-error.js';

const PREFIX = '/v2/members';
const MAX_BODY = 64 * 1024;

export function memberJSON(m: MemberView): string {
  return JSON.stringify({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs });
}

export async function handleMembers(
  req: IncomingMessage,
  res: ServerResponse,
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
      if (rest !== '') {
        // etcd's mux sends /v2/members/<x> here too; a POST needs no ID
      }
      const body = await jsonBody(req, res);
      if (body === null) return;
      const urls = peerUrls(body, res);
      if (urls === null) return;
      try {
        const m = await api.addMember(urls);
        writeJSON(res, 201, `${memberJSON(m)}\n`);
      } catch (e) {
        apiError(res, e);
      }
      return;
    }
    case 'DELETE': {
      const id = memberId(rest, res);
      if (id === null) return;
      try {
        await api.removeMember(id);
        res.writeHead(204);
        res.end();
      } catch (e) {
        apiError(res, e);
      }
      return;
    }
    case 'PUT': {
      const id = memberId(rest, res);
      if (id === null) return;
      const body = await jsonBody(req, res);
      if (body === null) return;
      const urls = peerUrls(body, res);
      if (urls === null) return;
      try {
        await api.updateMember(id, urls);
        res.writeHead(204);
        res.end();
      } catch (e) {
        apiError(res, e);
      }
      return;
    }
  }
}

function memberId(rest: string, res: ServerResponse): string | null {
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

async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown | null> {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (ct !== 'application/json') {
    req.resume();
    jsonMessage(res, 415, `Bad Content-Type ${ct}, accept application/json`);
    return null;
  }
  let text: string;
  try {
    text = (await readBody(req, MAX_BODY)).toString('utf8');
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    jsonMessage(res, 413, 'http: request body too large');
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    jsonMessage(res, 400, goJsonSyntaxError(text) ?? (e as Error).message);
    return null;
  }
}

function peerUrls(body: unknown, res: ServerResponse): string[] | null {
  const list =
    typeof body === 'object' && body !== null
      ? (body as { peerURLs?: unknown }).peerURLs
      : undefined;
  if (!Array.isArray(list) || list.some((u) => typeof u !== 'string')) {
    jsonMessage(res, 400, 'json: cannot unmarshal peerURLs');
    return null;
  }
  const out: string[] = [];
  for (const u of list as string[]) {
    try {
      out.push(parseEtcdUrl(u).href);
    } catch (e) {
      const msg = (e as Error).message.replace(
        'URL scheme must be http or https:',
        'URL scheme must be http, https, unix, or unixs:',
      );
      jsonMessage(res, 400, msg);
      return null;
    }
  }
  return out.sort();
}

/** etcd's etcdhttp: the server's membership errors and their statuses. */
const STATUS: Record<ServerErrorCode, number> = {
  IDRemoved: 409,
  IDExists: 409,
  PeerURLExists: 409,
  MemberNotFound: 404,
  MemberRemoved: 410,
  Internal: 500,
};

function apiError(res: ServerResponse, e: unknown): void {
  if (e instanceof ApiError) jsonMessage(res, e.status, e.message);
  else if (e instanceof ServerError && e.code !== 'Internal') {
    jsonMessage(res, STATUS[e.code], e.message);
  } else jsonMessage(res, 500, 'Internal Server Error');
}
