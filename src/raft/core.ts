// The Raft consensus core: a pure, deterministic state machine in the manner of etcd-io/raft. It never does I/O, never
// reads a clock and draws randomness only from cfg.random. Time arrives as tick(), the network as step(), clients as
// propose()/readIndex(); everything the node must do comes out as a Ready (persist, then send, then apply), which the
// runtime acknowledges with advance(). Each role has its own step function that reads like Figure 2 of the paper.
//
// Usage contract for runtimes: `while (core.hasReady()) { const rd = core.ready(); persist rd.entries + rd.hardState
// (fsync if rd.mustSync); send rd.messages; apply rd.committed; serve rd.reads; fail rd.failedReads; core.advance(rd) }`.
// tick/step/propose/readIndex may be called while a Ready is being persisted; hasReady() stays false until advance(),
// so Readys never overlap and every message goes out after everything appended before it is durable.
import { raftAssert } from './assert.js';
import { EMPTY_CONF, applyConfChange, decodeConf, encodeConf, isVoter, normalizeConf } from './conf.js';
import { ConfTracker } from './conf-tracker.js';
import { Progress } from './progress.js';
import { VoteTally, majority, quorumValue } from './quorum.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue } from './read-only.js';
import { TidWindow } from './tid-window.js';
import { hasSaneHeader, isSaneAppend } from './validate.js';
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  ConfChangeResult,
  ConfState,
  CoreStatus,
  Entry,
  HardState,
  LogReader,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  ReadState,
  Ready,
  Role,
  SoftState,
  TimeoutNow,
  TransferResult,
  VoteRequest,
  VoteResponse,
} from './types.js';

/** Committed entries handed out per Ready, so a node restarting far behind applies in bounded batches. */
const MAX_COMMITTED_PER_READY = 4096;

export class RaftCore {
  protected readonly cfg: RaftConfig;
  protected readonly raftLog: RaftLog;
  /**
   * The configuration in force (thesis §4.1: the latest config entry in the log, committed or not, else the initial
   * one). Its voters elect and count toward every quorum (commit, ReadIndex, lease, check-quorum); learners are
   * replicated to and counted in none.
   */
  private readonly confs: ConfTracker;
  /** encodeConf of the configuration in force when the last Ready was built (Ready.config reports changes). */
  private prevConfData: string;

  // Persistent state (Figure 2): reported in Ready.hardState whenever it changes.
  protected term: number;
  protected vote: NodeId | null;
  protected commit: number;

  protected role: Role = 'follower';
  protected leader: NodeId | null = null;

  /** Ticks since the last election timeout reset (followers, candidates) or since becoming leader. */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  /** Drawn from [electionTicks, 2*electionTicks) at every reset, so split votes resolve (§5.2). */
  private randomizedElectionTimeout = 0;
  /** Leader's clock for check-quorum and stall detection. */
  private leaderTicks = 0;
  /** Follower: the transport hinted that the leader died; the election timer was brought forward (leaderUnreachable). */
  private leaderSuspect = false;
  /**
   * Ticks since this node last heard from a leader, or since it started. In lease mode it is the promise leases rest
   * on: no vote for anyone else (nor a campaign) until electionTicks have passed, whatever else resets timers, and a
   * restarted node keeps the promise it may have made before the restart.
   */
  private leaderHeardElapsed = 0;
  /** Leader, lease mode: the leaderTicks at which each heartbeat round or probe seq was sent. */
  private readonly seqSentTick = new Map<number, number>();

  private readonly progress = new Map<NodeId, Progress>();
  /** Pre-vote or vote answers of the current campaign, over the voters of the configuration it started in. */
  private votes: VoteTally;
  /**
   * Leader: numbers heartbeat rounds and probes; every AppendRequest carries the current value and followers echo it.
   * A reply echoing seq >= s answers a request sent after s was issued (ReadIndex rounds, stale probe replies).
   * It grows only per round or probe, not per request, and restarts each term (replies from other terms are never
   * counted), so it stays far below the 2^31 limit of an XML-RPC int.
   */
  private seq = 0;
  private readonly readOnly = new ReadOnlyQueue();
  private readonly tids: TidWindow;

  /** Leader: the voter leadership is being handed to (thesis §3.10); no new proposals meanwhile. */
  private transferTarget: NodeId | null = null;
  /** Leader ticks since the transfer started; it is abandoned after an election timeout. */
  private transferElapsed = 0;
  /**
   * Leader: timeoutNow went out this term. The target's election skips the followers' lease promise, so from then
   * on this leader's lease proves nothing; it answers reads by ReadIndex rounds only until its term ends.
   */
  private leaseForfeited = false;

  // Output waiting for the next Ready.
  private msgs: Message[] = [];
  private reads: ReadState[] = [];
  private failedReads: number[] = [];
  /** Last committed index handed to the runtime in Ready.committed. */
  private appliedHandedOut: number;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  /** The Ready handed out and not yet advanced: exactly one at a time. */
  private outstanding: Ready | null = null;
  /** Leader: proposals or acknowledgements may allow new AppendRequests; sent in batches when the Ready is built. */
  private needsFlush = false;
  private commitNotifyPending = false;

  constructor(cfg: RaftConfig, log: LogReader, hardState: HardState, applied: number) {
    this.cfg = cfg;
    this.raftLog = new RaftLog(log);
    this.votes = new VoteTally(0, 1);
    this.term = hardState.term;
    this.vote = hardState.vote;
    const last = log.lastIndex();
    // Entries already applied were committed even if the lazily persisted commit index lags behind them.
    this.commit = Math.min(Math.max(hardState.commit, applied), last);
    // Never hand out again what the runtime already applied, even if its log is somehow shorter than its raftlog.
    this.appliedHandedOut = applied;
    this.prevHardState = { term: this.term, vote: this.vote, commit: this.commit };
    // A joining node knows no configuration until the leader's log brings one: it is nobody's voter meanwhile.
    const initial = cfg.join === true ? EMPTY_CONF : normalizeConf(cfg.peers, cfg.learners ?? []);
    this.confs = new ConfTracker(initial, log, this.commit);
    this.prevConfData = this.confs.current().data;
    this.tids = new TidWindow(cfg.dedupWindow);
    this.rebuildTidWindow(log);
    this.becomeFollower(this.term, null);
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    if (this.role === 'leader') {
      this.tickLeader();
      return;
    }
    this.leaderHeardElapsed++;
    this.electionElapsed++;
    // Learners and nodes outside the configuration never campaign: they could not count their own vote.
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.promiseKept() && this.promotable()) this.campaign();
  }

  step(m: Message): void {
    // Any sender is heard, members or not: a joining node must accept the leader it has never been told of, and a
    // lagging member a leader elected in a configuration it has not seen yet (the transport authenticates peers).
    // Votes count only from voters and progress exists only for members, so a stranger can change no quorum.
    if (m.to !== this.cfg.id || m.from === this.cfg.id || m.from === '' || !hasSaneHeader(m)) return;
    if (m.term > this.term) {
      if (m.type === 'vote') {
        // Leader stickiness (thesis §9.6/§4.2.3): while we hear from a live leader, a higher-term candidate is a
        // disruptive node that was cut off; refuse without adopting its term.
        if (this.inLease() && m.transfer !== true) {
          this.rejectVote(m);
          return;
        }
        if (!m.preVote) this.becomeFollower(m.term, null);
      } else if (m.type === 'voteResp' && m.preVote && m.granted) {
        // A granted pre-vote carries the term we would campaign in; nobody's term changes.
      } else {
        // Only a leader of m.term sends appends or timeoutNow: it is that term's leader.
        this.becomeFollower(m.term, m.type === 'append' || m.type === 'timeoutNow' ? m.from : null);
      }
    } else if (m.term < this.term) {
      // Tell a stale leader or candidate about the newer term so it steps down; ignore stale responses.
      if (m.type === 'append') this.replyAppend(m, false, 0, 0, 0);
      else if (m.type === 'vote') this.rejectVote(m);
      return;
    }
    if (m.type === 'vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'precandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  propose(type: 'add' | 'set', tid: string, data: string, key: string): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leader };
    const existing = this.tids.lookup(tid);
    if (existing !== undefined) {
      // A retry answers for the first entry only if it is the same request; the same tid with other content is a
      // client error, and answering true for it would claim a write that never happened.
      const first = this.raftLog.entries(existing, existing + 1)[0];
      if (first !== undefined && (first.type !== type || first.data !== data || first.key !== key)) {
        return { ok: false, reason: 'tid-conflict', index: existing };
      }
      return { ok: true, duplicate: true, index: existing, term: this.raftLog.term(existing) };
    }
    // Thesis §3.10: new entries would keep the target behind and the transfer from ever finishing.
    if (this.transferTarget !== null) {
      return { ok: false, reason: 'transferring', leader: this.cfg.id, target: this.transferTarget };
    }
    const index = this.raftLog.lastIndex() + 1;
    this.appendAsLeader({ index, term: this.term, type, tid, data, key });
    return { ok: true, duplicate: false, index, term: this.term };
  }

  /**
   * A single-server membership change (thesis §4.1-4.3): appends a config entry holding the whole new configuration,
   * in force at once on this leader (and on each follower as it appends it). One change at a time, and only once an
   * entry of this leader's term has committed (the 2015 fix: otherwise a change by a deposed leader and one by its
   * successor can have disjoint majorities). `force` skips only the check that the new voters are mostly alive.
   */
  proposeConfChange(change: ConfChange, opts: { force?: boolean } = {}): ConfChangeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leader };
    const problem = confChangeProblem(change);
    if (problem !== null) return { ok: false, reason: 'invalid', why: problem };
    if (this.transferTarget !== null) {
      return { ok: false, reason: 'transferring', leader: this.cfg.id, target: this.transferTarget };
    }
    const cur = this.confs.current();
    const next = applyConfChange(cur.conf, change);
    if (next === 'no-op') return { ok: false, reason: 'no-op', index: cur.index };
    if (next === 'not-member') return { ok: false, reason: 'not-member', node: change.node };
    const data = encodeConf(next);
    const bad = decodeConf(data);
    if (typeof bad === 'string') return { ok: false, reason: 'invalid', why: bad };
    if (this.confChangeWaitsForPrevious() && cur.index > this.commit) {
      return { ok: false, reason: 'change-pending', index: cur.index };
    }
    if (this.confChangeNeedsTermCommit() && !this.committedInCurrentTerm()) return { ok: false, reason: 'no-term-commit' };
    const last = this.raftLog.lastIndex();
    if (change.op === 'promote') {
      // etcd's "in sync" rule: a voter far behind would stall commits the moment it starts counting.
      const pr = this.progress.get(change.node);
      const lag = this.cfg.promoteMaxLag ?? 100;
      if (pr === undefined || !pr.responded || last - pr.match > lag) {
        return { ok: false, reason: 'not-caught-up', node: change.node };
      }
    }
    if (next.voters.length !== cur.conf.voters.length) {
      // etcd's --strict-reconfig-check: refuse a voter set that could not commit anything with the members alive now.
      const quorum = majority(next.voters.length);
      const active = this.activeVoters(next.voters);
      if (next.voters.length === 0 || (active < quorum && opts.force !== true)) {
        return { ok: false, reason: 'unsafe', active, quorum };
      }
    }
    const index = last + 1;
    this.appendAsLeader({ index, term: this.term, type: 'config', tid: '', data, key: '' });
    // A smaller voter set may let entries already held by its majority commit, and pending reads be confirmed.
    this.maybeCommit();
    if (this.role === 'leader' && this.readOnly.hasPendingRounds()) {
      this.reads.push(...this.readOnly.confirmUpTo(this.quorumAckedSeq()));
    }
    return { ok: true, index, term: this.term };
  }

  readIndex(ctx: number): void {
    if (this.role !== 'leader') {
      this.failedReads.push(ctx);
      return;
    }
    if (this.leaseValid()) {
      this.reads.push({ ctx, index: this.commit });
      return;
    }
    // Until an entry of its own term commits, a new leader does not know the true commit index (thesis §6.4).
    if (!this.committedInCurrentTerm()) {
      this.readOnly.waitForTermCommit(ctx);
      return;
    }
    this.admitRead(ctx);
  }

  /**
   * Leadership transfer (thesis §3.10): stop taking proposals, bring `target` up to date by normal replication, then
   * tell it to campaign at once (timeoutNow). Abandoned after an election timeout (proposals resume) or when this node
   * stops leading. A second call for another target replaces the first, with a fresh timeout.
   */
  transferLeadership(target: NodeId): TransferResult {
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leader };
    if (target === this.cfg.id) return { ok: false, reason: 'self', target };
    const pr = this.progress.get(target);
    if (pr === undefined || !isVoter(this.conf(), target)) return { ok: false, reason: 'not-member', target };
    if (this.transferTarget === target) return { ok: true, target }; // already under way: keep its deadline
    this.transferTarget = target;
    this.transferElapsed = 0;
    this.needsFlush = true;
    this.maybeSendTimeoutNow(target, pr);
    return { ok: true, target };
  }

  /**
   * A transport hint that the leader we follow is probably gone (the runtime reports it when every connection from
   * that leader closed from its end at once, as when its process dies). Waiting out a whole election timeout would
   * only add dead time, so the follower acts as if that timeout had already passed: its lease on the leader ends (so
   * it grants pre-votes from peers that saw the same loss) and it campaigns after a short random delay, spread so
   * that survivors rarely collide. Nothing else changes: the campaign is an ordinary pre-vote then vote, so a wrong
   * hint costs at most one rejected pre-vote, and hearing from the leader again restores the normal timer.
   */
  leaderUnreachable(leader: NodeId): void {
    // A lease rests on followers waiting a full election timeout: a hint (a proxy resetting connections looks the
    // same as a dead process) must not shorten that.
    if (this.leaseMode() || !this.promotable()) return;
    if (this.role !== 'follower' || this.leader !== leader || this.leaderSuspect) return;
    this.leaderSuspect = true;
    const e = this.cfg.electionTicks;
    this.electionElapsed = Math.max(this.electionElapsed, e);
    // 1..e/5 ticks (10-30 ms at the defaults): long enough apart that one survivor's pre-vote usually reaches the
    // others before they start their own, short next to the election timeout it replaces.
    const delay = 1 + this.cfg.random(Math.max(1, Math.floor(e / 5)));
    this.randomizedElectionTimeout = Math.min(this.randomizedElectionTimeout, this.electionElapsed + delay);
  }

  reportUnreachable(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role !== 'leader' || pr === undefined) return;
    // What was in flight is probably lost: fall back to probing from the last known match.
    if (pr.state === 'replicate') pr.becomeProbe();
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    this.flushPending();
    return (
      this.msgs.length > 0 ||
      this.reads.length > 0 ||
      this.failedReads.length > 0 ||
      this.raftLog.hasUnstable() ||
      this.hardStateChanged() ||
      this.softStateChanged() ||
      this.confs.current().data !== this.prevConfData ||
      this.committedUpTo() > this.appliedHandedOut
    );
  }

  ready(): Ready {
    raftAssert(this.outstanding === null, 'ready() called before advance() of the previous Ready');
    this.flushPending();
    const last = this.raftLog.lastIndex();
    raftAssert(this.commit <= last, () => `commit index ${this.commit} is beyond the last index ${last}`);
    const hs = this.hardState();
    const termOrVoteChanged = hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
    const entries = this.raftLog.unstableEntries();
    const conf = this.confs.current();
    const rd: Ready = {
      softState: this.softState(),
      hardState: this.hardStateChanged() ? hs : null,
      entries,
      messages: this.msgs,
      committed: this.takeCommitted(),
      reads: this.reads,
      failedReads: this.failedReads,
      mustSync: entries.length > 0 || termOrVoteChanged,
      config: conf.data !== this.prevConfData ? copyConf(conf.conf) : null,
    };
    this.prevConfData = conf.data;
    this.msgs = [];
    this.reads = [];
    this.failedReads = [];
    this.prevHardState = hs;
    this.prevSoftState = rd.softState;
    this.outstanding = rd;
    return rd;
  }

  advance(rd: Ready): void {
    // Advancing a Ready that was never handed out (or twice) would mark unpersisted entries durable.
    raftAssert(rd === this.outstanding, () =>
      this.outstanding === null ? 'advance() with no Ready outstanding' : 'advance() with a Ready that is not the outstanding one',
    );
    this.outstanding = null;
    this.raftLog.stableTo(rd.entries);
    // The leader's own entries count toward commit only once durable here.
    if (this.role === 'leader') this.maybeCommit();
  }

  status(): CoreStatus {
    const progress: CoreStatus['progress'] = {};
    if (this.role === 'leader') {
      for (const [peer, pr] of this.progress) {
        progress[peer] = { match: pr.match, next: pr.next, active: this.recentlyHeard(pr) };
      }
    }
    return {
      id: this.cfg.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.commit,
      lastLogIndex: this.raftLog.lastIndex(),
      transferTarget: this.transferTarget,
      voters: this.conf().voters.slice(),
      learners: this.conf().learners.slice(),
      configIndex: this.confs.current().index,
      progress,
    };
  }

  // ---------------------------------------------------------------- hooks (deliberate extension points)
  // The simulator's tests subclass RaftCore with broken versions of these to prove the checker catches each bug.

  /**
   * Figure 8 rule: the leader may advance commitIndex to `index` (replicated on a majority) only if that entry is
   * from its current term; earlier-term entries then commit indirectly. A broken variant returns true.
   */
  protected commitAllowed(index: number): boolean {
    return this.raftLog.term(index) === this.term;
  }

  /**
   * Follower side of AppendEntries, after the prevLogIndex/prevLogTerm check passed. Entries already present with the
   * same term are skipped (a stale or reordered request must not truncate anything); the log is truncated only from
   * the first real conflict, and never below the commit index. A broken variant truncates after prevLogIndex always
   * (it can call truncateAndAppend(entries) directly).
   */
  protected appendToLog(prevLogIndex: number, entries: Entry[]): void {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e.index > this.raftLog.lastIndex() || this.raftLog.term(e.index) !== e.term) {
        // Rewriting a committed entry would break State Machine Safety: only a buggy leader could ask for it.
        if (e.index <= this.commit) return;
        this.truncateAndAppend(entries.slice(k));
        return;
      }
    }
  }

  /**
   * ReadIndex (thesis §6.4): true makes the leader confirm it is still leader with a heartbeat round acknowledged by
   * a majority before answering. A broken variant returns false and answers at its commit index at once, which
   * lets a deposed leader serve stale reads.
   */
  protected readNeedsQuorum(): boolean {
    return true;
  }

  /**
   * The 2015 fix (raft-dev, "bug in single-server membership changes"): a leader proposes a change only once an entry
   * of its own term has committed. A broken variant returns false: a new leader's change can then overlap with an
   * uncommitted change of its predecessor, and two configurations without a common majority can both commit.
   */
  protected confChangeNeedsTermCommit(): boolean {
    return true;
  }

  /**
   * One change at a time (thesis §4.1): a change is proposed only once the previous config entry has committed.
   * A broken variant returns false: two changes in flight can remove two voters' worth of overlap.
   */
  protected confChangeWaitsForPrevious(): boolean {
    return true;
  }

  /** Replace the log from entries[0].index on with `entries` (non-empty), keeping the tid window in step. */
  protected truncateAndAppend(entries: Entry[]): void {
    if (entries.length === 0) return;
    // Leader Append-Only: a leader only ever extends its log.
    raftAssert(this.role !== 'leader' || entries[0].index === this.raftLog.lastIndex() + 1, () =>
      `leader would overwrite its own entries from ${entries[0].index} (last ${this.raftLog.lastIndex()})`,
    );
    this.raftLog.truncateAndAppend(entries, this.commit);
    for (const e of entries) this.tids.add(e);
    const before = this.confs.current();
    this.confs.appended(entries);
    if (this.role === 'leader' && this.confs.current() !== before) this.syncProgress();
  }

  // ---------------------------------------------------------------- configuration

  private conf(): ConfState {
    return this.confs.current().conf;
  }

  /**
   * Who may campaign or take over: a voter of the configuration in force, or of one not yet superseded by a committed
   * configuration. The second case is a node whose log holds an uncommitted change removing it (a leader that removed
   * itself and then lost its quorum, say): it may hold the only copy of that change, and the voters that lack it need
   * its vote, which its longer log refuses them. So it campaigns itself, counting only the votes of the configuration
   * in force, exactly like a leader outside its configuration (thesis §4.2.2), and steps down once the change commits.
   * Learners and nodes no configuration lists never campaign.
   */
  private promotable(): boolean {
    return this.confs.anyListsVoter(this.cfg.id);
  }

  /** The leader tracks every member but itself: voters and learners alike are replicated to. */
  private syncProgress(): void {
    const c = this.conf();
    const members = new Set([...c.voters, ...c.learners]);
    members.delete(this.cfg.id);
    for (const peer of [...this.progress.keys()]) if (!members.has(peer)) this.progress.delete(peer);
    const last = this.raftLog.lastIndex();
    for (const peer of members) if (!this.progress.has(peer)) this.progress.set(peer, new Progress(last, this.leaderTicks));
    if (this.transferTarget !== null && !isVoter(c, this.transferTarget)) this.transferTarget = null;
  }

  /** Voters of `voters` this leader knows to be alive: itself, and those that answered it within an election timeout. */
  private activeVoters(voters: NodeId[]): number {
    let n = 0;
    for (const v of voters) {
      const pr = this.progress.get(v);
      if (v === this.cfg.id || (pr !== undefined && pr.responded && this.recentlyHeard(pr))) n++;
    }
    return n;
  }

  /**
   * Thesis §4.2.2: a leader removed from the configuration leads until that configuration commits, then steps down.
   * It first tells the followers the commit index and hands over to the most up-to-date voter (timeoutNow), so the
   * cluster need not wait an election timeout for a new leader.
   */
  private stepDownRemoved(): void {
    this.commitNotifyPending = true;
    this.needsFlush = true;
    this.flushPending();
    const last = this.raftLog.lastIndex();
    let best: [NodeId, Progress] | null = null;
    for (const v of this.conf().voters) {
      const pr = this.progress.get(v);
      if (pr !== undefined && pr.match === last && (best === null || this.recentlyHeard(pr))) best = [v, pr];
    }
    if (best !== null) this.maybeSendTimeoutNow(best[0], best[1]);
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- role transitions

  private becomeFollower(term: number, leader: NodeId | null): void {
    raftAssert(term >= this.term, () => `term would move back from ${this.term} to ${term}`);
    const wasLeader = this.role === 'leader';
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.role = 'follower';
    this.leader = leader;
    this.resetTimers();
    if (wasLeader) {
      this.progress.clear();
      this.failedReads.push(...this.readOnly.drainAll());
      this.needsFlush = false;
      this.commitNotifyPending = false;
      this.transferTarget = null;
    }
  }

  /** Thesis §9.6: ask whether we could win before disturbing anyone's term. */
  private becomePreCandidate(): void {
    this.role = 'precandidate';
    this.leader = null;
    this.resetTimers();
  }

  private becomeCandidate(): void {
    this.term += 1;
    this.vote = this.cfg.id;
    this.role = 'candidate';
    this.leader = null;
    this.resetTimers();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.cfg.id;
    this.resetTimers();
    this.leaderTicks = 0;
    this.seq = 0;
    this.seqSentTick.clear();
    this.transferTarget = null;
    this.leaseForfeited = false;
    this.progress.clear();
    this.syncProgress();
    const last = this.raftLog.lastIndex();
    // §8: a no-op of the new term lets earlier entries commit (Figure 8) and tells the leader the commit index.
    this.appendAsLeader({ index: last + 1, term: this.term, type: 'noop', tid: '', data: '', key: '' });
  }

  private campaign(): void {
    if (this.cfg.preVote) {
      this.becomePreCandidate();
      this.requestVotes(true);
    } else {
      this.becomeCandidate();
      this.requestVotes(false);
    }
  }

  private requestVotes(preVote: boolean, transfer = false): void {
    const voters = this.conf().voters;
    this.votes = new VoteTally(voters.length, majority(voters.length));
    if (isVoter(this.conf(), this.cfg.id) && this.countVote(this.cfg.id, true)) return;
    const term = preVote ? this.term + 1 : this.term;
    const lastLogIndex = this.raftLog.lastIndex();
    const lastLogTerm = this.raftLog.lastTerm();
    for (const to of voters) {
      if (to === this.cfg.id) continue;
      const req: VoteRequest = { type: 'vote', from: this.cfg.id, to, term, preVote, lastLogIndex, lastLogTerm };
      if (transfer) req.transfer = true;
      this.msgs.push(req);
    }
  }

  /** Records an answer; moves on (win or lose) when it decides the campaign. Returns true if it did. */
  private countVote(from: NodeId, granted: boolean): boolean {
    this.votes.record(from, granted);
    const result = this.votes.result();
    if (result === 'won') {
      if (this.role === 'precandidate') {
        this.becomeCandidate();
        this.requestVotes(false);
      } else {
        this.becomeLeader();
      }
      return true;
    }
    if (result === 'lost') {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  private resetTimers(): void {
    this.leaderSuspect = false;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const e = this.cfg.electionTicks;
    this.randomizedElectionTimeout = e + this.cfg.random(e);
    this.votes.clear();
  }

  // ---------------------------------------------------------------- per-role step functions

  private stepFollower(m: Message): void {
    if (m.type === 'timeoutNow') {
      // Thesis §3.10: our leader hands over; campaign now, skipping pre-vote (it would only be refused: everyone
      // still hears that leader) and marking the requests so voters set stickiness aside.
      if (this.leader !== m.from) return; // only the leader we follow in this term may hand over
      if (!this.promotable()) return; // a learner could not count its own vote
      this.becomeCandidate();
      this.requestVotes(false, true);
      return;
    }
    if (m.type !== 'append') return;
    // The leader is alive after all (or a new one spoke): back to a full, freshly drawn election timeout.
    if (this.leaderSuspect) this.resetTimers();
    this.electionElapsed = 0;
    this.leaderHeardElapsed = 0;
    this.leader = m.from;
    this.handleAppend(m);
  }

  private stepCandidate(m: Message): void {
    if (m.type === 'append') {
      // Figure 2: a current-term AppendEntries means someone else won this term.
      this.becomeFollower(this.term, m.from);
      this.leaderHeardElapsed = 0;
      this.handleAppend(m);
      return;
    }
    if (m.type !== 'voteResp') return;
    if (this.role === 'precandidate') {
      if (!m.preVote) return;
      if (m.granted && m.term !== this.term + 1) return;
    } else if (m.preVote) {
      return;
    }
    // Learners may answer (see handleVoteRequest), but only this campaign's voters count.
    if (!isVoter(this.conf(), m.from)) return;
    this.countVote(m.from, m.granted);
  }

  private stepLeader(m: Message): void {
    if (m.type === 'appendResp') this.handleAppendResponse(m);
  }

  // ---------------------------------------------------------------- RequestVote

  /**
   * Learners and non-members answer too, as etcd's do: a learner promoted by an entry it has not received yet may be
   * needed for a quorum of the new configuration (say the leader that committed the promotion died), and only the
   * candidate knows it is a voter. Granting is harmless otherwise: a candidate counts only its configuration's voters.
   */
  private handleVoteRequest(m: VoteRequest): void {
    // One vote per term: only for the candidate we already chose, or anyone if we chose no one and know no leader.
    // A pre-vote for a later term is a hypothetical question and binds nothing.
    const canVote =
      this.vote === m.from || (this.vote === null && this.leader === null) || (m.preVote && m.term > this.term);
    if (!canVote || !this.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      this.rejectVote(m);
      return;
    }
    if (!m.preVote) {
      raftAssert(this.vote === null || this.vote === m.from, () => `second vote in term ${this.term}: ${this.vote} then ${m.from}`);
      this.vote = m.from;
      this.electionElapsed = 0;
    }
    this.replyVote(m, true, m.preVote ? m.term : this.term);
  }

  /** §5.4.1: the candidate's log must be at least as up to date as ours. */
  private isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    const myTerm = this.raftLog.lastTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.raftLog.lastIndex());
  }

  private inLease(): boolean {
    if (this.leaseMode()) return this.role === 'leader' || !this.promiseKept();
    if (!this.cfg.checkQuorum) return false;
    if (this.role === 'leader') return true;
    return this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
  }

  // ---------------------------------------------------------------- leases (thesis §6.4.1)

  protected leaseMode(): boolean {
    return this.cfg.readMode === 'lease';
  }

  /** True once this node may help elect another leader: always outside lease mode. */
  private promiseKept(): boolean {
    return !this.leaseMode() || this.leaderHeardElapsed >= this.cfg.electionTicks;
  }

  /** The lease length in the leader's ticks (a broken variant lengthens it). */
  protected leaseTicks(): number {
    return this.cfg.leaseTicks ?? 0;
  }

  /**
   * The leader may answer a read alone when: an entry of its term has committed (it knows the commit index); it has
   * led for electionTicks (any earlier leader's lease has run out, even one whose followers restarted); and a
   * majority, itself included, acknowledged a round sent less than leaseTicks ago (those followers vote for nobody
   * else until their election timeout passes).
   */
  private leaseValid(): boolean {
    if (!this.leaseMode() || this.role !== 'leader' || this.leaderTicks < this.cfg.electionTicks) return false;
    if (this.leaseForfeited) return false;
    if (!this.committedInCurrentTerm()) return false;
    const voters = this.conf().voters;
    const starts = voters.map((v) => {
      const pr = this.progress.get(v);
      if (v === this.cfg.id) return this.leaderTicks;
      return pr === undefined ? -Infinity : (this.seqSentTick.get(pr.ackedSeq) ?? -Infinity);
    });
    if (starts.length === 0) return false;
    return this.leaderTicks < quorumValue(starts, majority(voters.length)) + this.leaseTicks();
  }

  private noteSeqSent(seq: number): void {
    if (!this.leaseMode()) return;
    this.seqSentTick.set(seq, this.leaderTicks);
    // Seqs grow; the oldest go first. One that is gone reads as "long ago": no lease, a ReadIndex round instead.
    if (this.seqSentTick.size > 4096) {
      for (const k of this.seqSentTick.keys()) {
        this.seqSentTick.delete(k);
        if (this.seqSentTick.size <= 2048) break;
      }
    }
  }

  private rejectVote(m: VoteRequest): void {
    this.replyVote(m, false, this.term);
  }

  private replyVote(m: VoteRequest, granted: boolean, term: number): void {
    const resp: VoteResponse = { type: 'voteResp', from: this.cfg.id, to: m.from, term, preVote: m.preVote, granted };
    if (m.reqId !== undefined) resp.reqId = m.reqId;
    this.msgs.push(resp);
  }

  // ---------------------------------------------------------------- AppendEntries, follower side

  private handleAppend(m: AppendRequest): void {
    if (!isSaneAppend(m)) return;
    const last = this.raftLog.lastIndex();
    if (m.prevLogIndex > last) {
      this.replyAppend(m, false, 0, last + 1, 0);
      return;
    }
    const localTerm = this.raftLog.term(m.prevLogIndex);
    if (localTerm !== m.prevLogTerm) {
      // Fast back-off hint: the first index of our conflicting term (binary search: terms never decrease along a
      // log), so the leader can skip the whole term in one round trip.
      const lo = Math.max(1, Math.min(this.commit + 1, m.prevLogIndex));
      const firstOfTerm = this.raftLog.firstIndexWithTermAtLeast(localTerm, lo, m.prevLogIndex);
      this.replyAppend(m, false, 0, firstOfTerm, localTerm);
      return;
    }
    this.appendToLog(m.prevLogIndex, m.entries);
    const lastNew = m.prevLogIndex + m.entries.length;
    // appendToLog refuses to rewrite committed entries; then we must not claim to hold the leader's entries.
    if (m.entries.length > 0 && this.raftLog.termIfPresent(lastNew) !== m.entries[m.entries.length - 1].term) return;
    // Figure 2: commitIndex = min(leaderCommit, index of last new entry); never backwards.
    const newCommit = Math.min(m.leaderCommit, lastNew, this.raftLog.lastIndex());
    if (newCommit > this.commit) this.commitTo(newCommit);
    this.replyAppend(m, true, lastNew, 0, 0);
  }

  /** conflictIndex 0 on a rejection means "your term is stale", not a log position. */
  private replyAppend(
    m: AppendRequest,
    success: boolean,
    matchIndex: number,
    conflictIndex: number,
    conflictTerm: number,
  ): void {
    const resp: AppendResponse = {
      type: 'appendResp',
      from: this.cfg.id,
      to: m.from,
      term: this.term,
      success,
      matchIndex,
      conflictIndex,
      conflictTerm,
      lastLogIndex: this.raftLog.lastIndex(),
      seq: m.seq,
    };
    if (m.reqId !== undefined) resp.reqId = m.reqId;
    this.msgs.push(resp);
  }

  // ---------------------------------------------------------------- AppendEntries, leader side

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    // A rejection with no position answers a request from an earlier term: it tells us nothing about this one.
    if (!m.success && m.conflictIndex === 0) return;
    // Any current-term answer means the follower accepts us as leader right now.
    pr.lastHeardTick = this.leaderTicks;
    pr.responded = true;
    if (m.seq > pr.ackedSeq) pr.ackedSeq = m.seq;
    if (this.readOnly.hasPendingRounds()) this.reads.push(...this.readOnly.confirmUpTo(this.quorumAckedSeq()));

    if (m.success) {
      if (m.matchIndex > this.raftLog.lastIndex()) return; // nonsense: never trust a match we cannot have sent
      const advanced = pr.maybeUpdate(m.matchIndex, this.leaderTicks);
      if (pr.state === 'probe') {
        // The probe at next-1 matched: switch to pipelining. A lower match (a heartbeat reply) just unpauses.
        if (m.matchIndex >= pr.next - 1 && m.seq >= pr.probeSeq) pr.becomeReplicate(this.leaderTicks);
        else pr.probeSent = false;
      }
      if (advanced) this.maybeCommit();
      if (m.from === this.transferTarget) this.maybeSendTimeoutNow(m.from, pr);
      this.needsFlush = true;
      return;
    }
    // Rejections answering requests sent before the current probe are stale (reordered); ignore them.
    if (m.seq < pr.probeSeq) return;
    const next = this.nextFromHint(pr, m.conflictIndex, m.conflictTerm);
    if (pr.state === 'replicate') pr.becomeProbe();
    pr.next = next;
    pr.probeSent = false;
    this.needsFlush = true;
  }

  /** The leader's side of the fast back-off (thesis §5.3 optimisation), clamped to a sane range. */
  private nextFromHint(pr: Progress, conflictIndex: number, conflictTerm: number): number {
    const last = this.raftLog.lastIndex();
    let next = conflictIndex;
    if (conflictTerm > 0) {
      // If we have entries of the follower's conflicting term, our last one of that term may still match.
      const j = this.raftLog.lastIndexWithTermAtMost(conflictTerm, 1, last);
      if (j >= 1 && this.raftLog.term(j) === conflictTerm) next = j + 1;
    }
    return Math.max(pr.match + 1, Math.min(next, last + 1));
  }

  /** The highest index a quorum holds (the leader counting only what it persisted); commit it if allowed. */
  private maybeCommit(): void {
    const voters = this.conf().voters;
    if (voters.length === 0) return;
    // Thesis §4.2.2: a leader outside its configuration replicates but does not count itself.
    const matches = voters.map((v) => (v === this.cfg.id ? this.raftLog.persistedIndex() : (this.progress.get(v)?.match ?? 0)));
    const candidate = Math.min(quorumValue(matches, majority(voters.length)), this.raftLog.lastIndex());
    if (candidate <= this.commit || !this.commitAllowed(candidate)) return;
    this.commitTo(candidate);
    this.commitNotifyPending = true;
    this.needsFlush = true;
    if (this.committedInCurrentTerm()) {
      for (const ctx of this.readOnly.releaseWaiting()) this.admitRead(ctx);
    }
    if (!this.promotable() && this.confs.current().index <= this.commit) this.stepDownRemoved();
  }

  /** The only place commit moves: forward, and never past the log (etcd: "tocommit(%d) is out of range"). */
  private commitTo(index: number): void {
    raftAssert(index > this.commit, () => `commit index would move back from ${this.commit} to ${index}`);
    const last = this.raftLog.lastIndex();
    raftAssert(index <= last, () => `commit index ${index} is out of range (last index ${last})`);
    this.commit = index;
    this.confs.compact(index);
  }

  /** Thesis §3.10: once the target holds everything we have, it can win an election at once. */
  private maybeSendTimeoutNow(target: NodeId, pr: Progress): void {
    if (pr.match !== this.raftLog.lastIndex()) return;
    const m: TimeoutNow = { type: 'timeoutNow', from: this.cfg.id, to: target, term: this.term };
    this.msgs.push(m);
    this.leaseForfeited = true;
  }

  private appendAsLeader(e: Entry): void {
    raftAssert(e.term === this.term, () => `leader of term ${this.term} would append an entry of term ${e.term}`);
    this.truncateAndAppend([e]);
    this.needsFlush = true;
    // A cluster of one commits as soon as the entry is persisted (see advance).
  }

  /**
   * Sends whatever each follower may receive now, batching every entry that accumulated since the last Ready.
   * Each follower is handled independently: a paused one is simply skipped, never waited for.
   */
  private flushPending(): void {
    if (this.role !== 'leader') return;
    if (this.needsFlush) {
      this.needsFlush = false;
      const last = this.raftLog.lastIndex();
      for (const [peer, pr] of this.progress) {
        let sent = false;
        for (let k = 0; k <= this.cfg.maxInflightAppends && this.maybeSendAppend(peer, pr); k++) sent = true;
        // Tell an up-to-date follower the new commit index (an empty append costs no inflight slot).
        if (!sent && this.commitNotifyPending && pr.state === 'replicate' && pr.match === last) {
          this.sendAppend(peer, last, [], this.seq);
        }
      }
      this.commitNotifyPending = false;
    }
    if (this.readOnly.hasOpenRound()) this.broadcastHeartbeat();
  }

  private maybeSendAppend(peer: NodeId, pr: Progress): boolean {
    if (pr.isPaused(this.cfg.maxInflightAppends)) return false;
    const last = this.raftLog.lastIndex();
    if (pr.next > last + 1) pr.next = last + 1;
    const entries = this.raftLog.entries(
      pr.next,
      Math.min(last + 1, pr.next + this.cfg.maxEntriesPerAppend),
      this.cfg.maxBytesPerAppend,
    );
    // Replicate sends only new entries; probe always sends (the probe itself finds where the logs agree).
    if (entries.length === 0 && pr.state === 'replicate') return false;
    // Only full batches pipeline. A partial batch waits while an earlier request is in flight, so what is proposed
    // meanwhile rides one larger request when that answer arrives: fewer RPCs and fewer follower fsyncs per entry,
    // which on a loaded machine also means lower latency. A follower far behind still gets maxInflightAppends full
    // batches at once.
    const full = entries.length >= this.cfg.maxEntriesPerAppend || pr.next + entries.length <= last;
    if (pr.state === 'replicate' && pr.inflightCount() > 0 && !full) return false;
    const seq = pr.state === 'probe' ? ++this.seq : this.seq;
    if (pr.state === 'probe') this.noteSeqSent(seq);
    this.sendAppend(peer, pr.next - 1, entries, seq);
    pr.sentEntries(pr.next - 1 + entries.length, seq, this.leaderTicks);
    return true;
  }

  private sendAppend(to: NodeId, prevLogIndex: number, entries: Entry[], seq: number): void {
    const req: AppendRequest = {
      type: 'append',
      from: this.cfg.id,
      to,
      term: this.term,
      prevLogIndex,
      prevLogTerm: this.raftLog.term(prevLogIndex),
      entries,
      leaderCommit: this.commit,
      seq,
    };
    this.msgs.push(req);
  }

  /**
   * Heartbeats are empty AppendRequests at the follower's known match (which always passes the log check), so they
   * carry the commit index safely and their echoed seq confirms leadership for ReadIndex rounds.
   */
  private broadcastHeartbeat(): void {
    const seq = ++this.seq;
    this.noteSeqSent(seq);
    for (const [peer, pr] of this.progress) this.sendAppend(peer, pr.match, [], seq);
    this.readOnly.startOpenRound(seq);
    // A sole voter confirms its own round at once.
    if (this.soleVoter()) this.reads.push(...this.readOnly.confirmUpTo(seq));
  }

  private tickLeader(): void {
    this.leaderTicks++;
    this.heartbeatElapsed++;
    if (this.cfg.checkQuorum && !this.quorumRecentlyHeard()) {
      // Check-quorum: cut off from the majority for an election timeout, we may already have been replaced.
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.transferTarget !== null && ++this.transferElapsed >= this.cfg.electionTicks) {
      // The target did not take over within an election timeout (down, cut off, or lost the election): carry on.
      this.transferTarget = null;
    }
    for (const pr of this.progress.values()) {
      // Replication stalled for an election timeout (lost request or reply): re-probe from the last known match.
      if (
        pr.state === 'replicate' &&
        pr.inflightCount() > 0 &&
        this.leaderTicks - pr.lastProgressTick >= this.cfg.electionTicks
      ) {
        pr.becomeProbe();
        this.needsFlush = true;
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private recentlyHeard(pr: Progress): boolean {
    return this.leaderTicks - pr.lastHeardTick < this.cfg.electionTicks;
  }

  private quorumRecentlyHeard(): boolean {
    const voters = this.conf().voters;
    let heard = 0;
    for (const v of voters) {
      const pr = this.progress.get(v);
      if (v === this.cfg.id || (pr !== undefined && this.recentlyHeard(pr))) heard++;
    }
    return heard >= majority(voters.length);
  }

  private soleVoter(): boolean {
    const voters = this.conf().voters;
    return voters.length === 1 && voters[0] === this.cfg.id;
  }

  // ---------------------------------------------------------------- ReadIndex

  private committedInCurrentTerm(): boolean {
    return this.raftLog.term(this.commit) === this.term;
  }

  private admitRead(ctx: number): void {
    if (!this.readNeedsQuorum() || this.soleVoter()) {
      this.reads.push({ ctx, index: this.commit });
      return;
    }
    this.readOnly.addToOpenRound(ctx, this.commit);
  }

  /** The highest seq acknowledged by a quorum (the leader acknowledges everything it sent). */
  private quorumAckedSeq(): number {
    const voters = this.conf().voters;
    const acked = voters.map((v) => (v === this.cfg.id ? Number.MAX_SAFE_INTEGER : (this.progress.get(v)?.ackedSeq ?? 0)));
    return acked.length === 0 ? 0 : quorumValue(acked, majority(voters.length));
  }

  // ---------------------------------------------------------------- Ready helpers

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.commit };
  }

  private hardStateChanged(): boolean {
    const p = this.prevHardState;
    return p.term !== this.term || p.vote !== this.vote || p.commit !== this.commit;
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  private softStateChanged(): boolean {
    const p = this.prevSoftState;
    return p.role !== this.role || p.leader !== this.leader || p.term !== this.term;
  }

  /** Committed entries may be applied only once they are durable locally. */
  private committedUpTo(): number {
    return Math.min(this.commit, this.raftLog.persistedIndex());
  }

  private takeCommitted(): Entry[] {
    const hi = Math.min(this.committedUpTo(), this.appliedHandedOut + MAX_COMMITTED_PER_READY);
    if (hi <= this.appliedHandedOut) return [];
    const out = this.raftLog.entries(this.appliedHandedOut + 1, hi + 1);
    // Applied entries must follow one another and never pass commit: anything else applies a gap or an uncommitted one.
    const first = out.length > 0 ? out[0].index : -1;
    const lastOut = out.length > 0 ? out[out.length - 1].index : -1;
    raftAssert(
      first === this.appliedHandedOut + 1 && lastOut <= this.commit,
      () => `committed entries ${this.appliedHandedOut + 1}..${hi} came out as ${first}..${lastOut} (commit ${this.commit})`,
    );
    this.appliedHandedOut = lastOut;
    return out;
  }

  /** Reads the last dedupWindow entries once at startup, in chunks so memory stays bounded. */
  private rebuildTidWindow(log: LogReader): void {
    const last = log.lastIndex();
    const chunk = 8192;
    for (let lo = Math.max(1, last - this.cfg.dedupWindow + 1); lo <= last; lo += chunk) {
      for (const e of log.entries(lo, Math.min(last + 1, lo + chunk))) this.tids.add(e);
    }
  }
}

function copyConf(c: ConfState): ConfState {
  return { voters: c.voters.slice(), learners: c.learners.slice() };
}

/** What is wrong with a change request from outside (an admin call), or null: the core never trusts its shape. */
function confChangeProblem(ch: ConfChange): string | null {
  const op: unknown = ch.op;
  if (op !== 'add-learner' && op !== 'promote' && op !== 'remove') return `unknown membership operation ${JSON.stringify(op)}`;
  const node: unknown = ch.node;
  if (typeof node !== 'string' || node.length === 0 || node.length > 256) return 'the node id must be a string of 1 to 256 characters';
  return null;
}
