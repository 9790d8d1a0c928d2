// Who may call what on a node (the RpcServer's authenticate and authorize hooks). Authentication runs on the raw body,
// before it is parsed (an unauthenticated 8 MB "appendEntriesRPC" costs a MAC, not a parse); authorization runs after
// parsing and before any handler. A refused call changes nothing:
//   peer calls (requestVotesRPC, appendEntriesRPC): a valid, fresh, unreplayed MAC of a member, and that member must
//     be the candidateId/leaderId the call names; a member cannot speak for another.
//   admin calls (methods.ts): basic auth "admin" with the admin token.
//   client calls: open unless `clientAuth`; then basic auth "client" (or "admin") or a member's MAC (a follower
//     forwarding a client's write). Wrong credentials are refused even where none are needed.
import type { IncomingMessage } from 'node:http';
import { FAULT } from '../protocol/faults.js';
import type { SecuritySettings } from '../protocol/security-settings.js';
import { RpcFault, type XmlRpcValue } from '../rpc/values.js';
import type { Logger } from '../util/logger.js';
import { methodClass, PEER_METHODS } from './methods.js';
import type { NodeSecrets } from './node-secrets.js';
import { PEER_AUTH_HEADER, PeerVerifier, sealAnswer as sealPeerAnswer, type PeerRequestProof } from './peer-mac.js';
import { RefusalLog } from './refusal-log.js';
import { parseBasicAuth, tokenMatches } from './tokens.js';


/** Few distinct credentials exist (the admin and client tokens, two of each during a rotation); this bounds the map. */
const PROVEN_HEADERS_KEPT = 16;

export type AuthOutcome = { principal: string } | { fault: RpcFault };

/** `method` is the name the call gives at its start (the server checks it against the parsed one). */
export type Authenticate = (req: IncomingMessage, method: string, body: string) => AuthOutcome;
/** After parsing: may `principal` make this call with these parameters? A fault if not. */
export type Authorize = (req: IncomingMessage, principal: string, method: string, params: XmlRpcValue[]) => RpcFault | null;

/** Headers for the answer to `req` (its `xml` body): a MAC proving it to a member whose MAC the request carried. */
export type SealAnswer = (req: IncomingMessage, xml: string) => Record<string, string> | undefined;

export interface NodeAuth {
  authenticate: Authenticate;
  authorize: Authorize;
  sealAnswer: SealAnswer;
}

export function makeAuthenticator(secrets: NodeSecrets, settings: SecuritySettings, logger: Logger): NodeAuth {
  const accepted = new Map<string, Buffer[]>([...secrets.peerKeys].map(([p, k]) => [p, [k]]));
  for (const [p, k] of secrets.acceptPeerKeys) accepted.get(p)?.push(k);
  const verifier = new PeerVerifier(secrets.self, accepted);
  const anyMatch = (token: string, digests: string[]): boolean => digests.map((d) => tokenMatches(token, d)).includes(true);
  const log = new RefusalLog(logger);
  // Requests a member's MAC proved, until answered (a WeakMap: a request dropped unanswered takes its entry with it).
  const proofs = new WeakMap<IncomingMessage, PeerRequestProof>();

  const refuse = (req: IncomingMessage, method: string, code: number, why: string): AuthOutcome => {
    const from = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    log.refused(`refused ${method} from ${from}: ${why}`);
    return { fault: new RpcFault(code, `${method} refused: ${why}`) };
  };

  // Authorization headers already proven, and whose they are. A client sends the same header on every call, and
  // checking it (base64, a SHA-256 object, a constant-time compare) was 4% of a busy leader's time in the deployed
  // bench. Only headers that passed are kept, so a wrong one always takes the full check; a node's tokens change only
  // with a restart (deploy:rotate_secrets restarts each node), which empties this.
  const proven = new Map<string, { principal: string }>();
  const basic = (req: IncomingMessage): { principal: string } | 'none' | 'wrong' => {
    const header = req.headers.authorization;
    if (header === undefined) return 'none';
    const known = proven.get(header);
    if (known !== undefined) return known;
    const cred = parseBasicAuth(header);
    if (cred === null) return 'wrong';
    let out: { principal: string } | null = null;
    if (cred.user === 'admin' && anyMatch(cred.password, secrets.adminTokenSha256)) out = { principal: 'admin' };
    else if (cred.user === 'client' && anyMatch(cred.password, secrets.clientTokenSha256)) out = { principal: 'client' };
    if (out === null) return 'wrong';
    if (proven.size >= PROVEN_HEADERS_KEPT) proven.clear();
    proven.set(header, out);
    return out;
  };

  const authorize: Authorize = (req, principal, method, params) => {
    if (methodClass(method) !== 'peer') return null;
    // A member speaks only for itself: the id the call claims must be the one its MAC proved.
    const claimedId = params[PEER_METHODS.get(method)!];
    if (principal !== `peer:${String(claimedId)}` || typeof claimedId !== 'string') {
      const sender = principal.startsWith('peer:') ? principal.slice(5) : principal;
      const out = refuse(req, method, FAULT.forbidden, `member ${sender} sent a call in the name of ${JSON.stringify(claimedId)}`);
      return 'fault' in out ? out.fault : null;
    }
    return null;
  };

  const authenticate: Authenticate = (req, method, body) => {
    const cls = methodClass(method);
    const peerHeader = req.headers[PEER_AUTH_HEADER];
    const peerValue = Array.isArray(peerHeader) ? undefined : peerHeader;
    if (cls === 'peer') {
      const check = verifier.verify(peerValue, method, body);
      if (!check.ok) {
        const who = check.claimed === undefined ? '' : ` (claims to be ${check.claimed})`;
        return refuse(req, method, FAULT.unauthenticated, `${check.why}${who}`);
      }
      proofs.set(req, check.proof);
      return { principal: `peer:${check.sender}` };
    }
    if (peerValue !== undefined && cls === 'client') {
      const check = verifier.verify(peerValue, method, body);
      if (check.ok) {
        proofs.set(req, check.proof);
        return { principal: `peer:${check.sender}` };
      }
      return refuse(req, method, FAULT.unauthenticated, check.why);
    }
    const b = basic(req);
    if (b === 'wrong') return refuse(req, method, FAULT.unauthenticated, 'wrong credentials');
    if (cls === 'admin') {
      if (b === 'none' || b.principal !== 'admin') {
        return refuse(req, method, FAULT.unauthenticated, 'needs the admin credential (HTTP basic auth, user admin)');
      }
      return b;
    }
    if (b !== 'none') return b;
    if (settings.clientAuth) return refuse(req, method, FAULT.unauthenticated, 'needs a client credential (HTTP basic auth, user client)');
    return { principal: 'anonymous' };
  };
  // Only answers to requests a member's MAC proved are sealed: an unauthenticated caller gets no MAC over anything.
  const sealAnswer: SealAnswer = (req, xml) => {
    const proof = proofs.get(req);
    if (proof === undefined) return undefined;
    proofs.delete(req);
    return sealPeerAnswer(secrets.self, proof, xml);
  };
  return { authenticate, authorize, sealAnswer };
}
