/**
 * The part of admitting a run that reaches beyond this process. The LiveRunRegistry decides
 * locally first (the key, MAX_LIVE_RUNS, MAX_LIVE_RUNS_PER_USER among this process's runs),
 * synchronously, then asks its RunAdmission: in one process (CLUSTER=off) that is
 * LocalAdmission, which has nothing more to check; in cluster mode (CLUSTER=redis) it is the
 * Redis admission (src/cluster/redis-admission.ts), which holds the key across the cluster and
 * counts the user's live runs on every instance.
 */

/** Injection token of the RunAdmission the registry uses. */
export const RUN_ADMISSION = Symbol('RUN_ADMISSION');

export interface AdmissionRequest {
  /** The registry key (`run:7`, `ws-chat:<uuid>`, `completion:<user>\n<conversation>`, `validate:<uuid>`). */
  key: string;
  userId: string;
  /** MAX_LIVE_RUNS_PER_USER: live runs of one user across the cluster. */
  maxLiveRunsPerUser: number;
  /** The conflict's text when the key is live elsewhere. */
  conflictMessage: string;
}

/** What an admission holds until the run ends. */
export interface AdmissionHold {
  /** Gives the key and the user's slot back; never rejects (a failure is logged, and the hold expires by itself). */
  release(): Promise<void>;
}

export interface RunAdmission {
  /**
   * Holds `key` and one of the user's slots. Rejects with AppError `conflict` (the request's
   * conflictMessage) when the key is live elsewhere, `too_many` over MAX_LIVE_RUNS_PER_USER,
   * `unavailable` when the coordination it needs does not answer in bounded time.
   */
  admit(request: AdmissionRequest): Promise<AdmissionHold>;
}

const NOTHING_HELD: AdmissionHold = { release: () => Promise.resolve() };

/** One process is the whole service: the registry's own checks are the whole decision. */
export class LocalAdmission implements RunAdmission {
  admit(): Promise<AdmissionHold> {
    return Promise.resolve(NOTHING_HELD);
  }
}
