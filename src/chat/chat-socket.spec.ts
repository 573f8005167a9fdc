/**
 * The /ws/chat state machine while a task's claim is being admitted (in cluster mode a Redis
 * round trip): the socket is busy, and closing it gives the claim back unrun. The runs
 * themselves are covered end to end in test/chat/ws-chat.e2e-spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import type { AdmissionHold, RunAdmission } from '../live-runs/run-admission.js';
import { ChatSocket, NO_INPUT_PENDING } from './chat-socket.js';
import type { ChatTeam } from './chat-teams.js';

const LIMITS = { inputTimeoutS: 60, maxTurns: 100, maxSeconds: 3600 };

/** An admission answered by hand; `released` counts holds given back. */
class HeldAdmission implements RunAdmission {
  released = 0;
  private answer: ((hold: AdmissionHold) => void) | undefined;
  private refuse: ((error: unknown) => void) | undefined;

  admit(): Promise<AdmissionHold> {
    return new Promise((resolve, reject) => ((this.answer = resolve), (this.refuse = reject)));
  }

  admitNow(): void {
    this.answer!({ release: async () => void this.released++ });
  }

  refuseNow(error: AppError): void {
    this.refuse!(error);
  }
}

function socketWith(admission: HeldAdmission) {
  const sent: string[] = [];
  let loads = 0;
  const team: ChatTeam = {
    label: 'never loaded',
    load: () => {
      loads++;
      throw new Error('the team must not be loaded');
    },
  };
  const registry = new LiveRunRegistry({ maxLiveRuns: 10, maxLiveRunsPerUser: 5, limits: LIMITS }, admission);
  const errors: string[] = [];
  const logger = { error: (m: string) => void errors.push(m), warn: () => undefined };
  const runs = {
    drive: () => {
      throw new Error('no run may be driven');
    },
  };
  const chat = new ChatSocket({ send: (text) => void sent.push(text) }, team, registry, runs, { userId: 'ann', maxTaskChars: 1000 }, logger);
  return { chat, sent, registry, loads: () => loads, errors };
}

describe(ChatSocket.name, () => {
  it('while the claim is pending a second task is refused as busy, and the first is not doubled', async () => {
    const admission = new HeldAdmission();
    const { chat, sent, registry } = socketWith(admission);
    const first = chat.receive({ kind: 'text', text: 'First' });
    expect(chat.receive({ kind: 'text', text: 'Second' })).toEqual({ type: 'text', refusal: 'bad_request' });
    expect(sent).toEqual([NO_INPUT_PENDING]);
    expect(registry.count('ann')).toBe(1);
    admission.refuseNow(new AppError('too_many', 'You already have 5 live runs across the cluster (MAX_LIVE_RUNS_PER_USER)'));
    // The task frame's answer (what its span records) is the refusal's kind.
    await expect(first).resolves.toEqual({ type: 'task', refusal: 'too_many' });
    await chat.settled();
    expect(sent).toEqual([NO_INPUT_PENDING, 'Error: You already have 5 live runs across the cluster (MAX_LIVE_RUNS_PER_USER)']);
    expect(registry.count()).toBe(0);
  });

  it('a refused claim leaves the socket idle: the next task is claimed again', async () => {
    const admission = new HeldAdmission();
    const { chat, sent, registry } = socketWith(admission);
    void chat.receive({ kind: 'text', text: 'First' });
    admission.refuseNow(new AppError('unavailable', 'Cluster coordination (Redis) is unavailable'));
    await chat.settled();
    void chat.receive({ kind: 'text', text: 'Again' });
    expect(registry.count('ann')).toBe(1);
    expect(sent).toEqual(['Error: Cluster coordination (Redis) is unavailable']);
  });

  it('the socket closing while the claim is pending gives the claim back without running the team', async () => {
    const admission = new HeldAdmission();
    const { chat, sent, registry, loads, errors } = socketWith(admission);
    void chat.receive({ kind: 'text', text: 'First' });
    chat.close();
    admission.admitNow();
    await chat.settled();
    expect(loads()).toBe(0);
    expect(admission.released).toBe(1);
    expect(registry.count()).toBe(0);
    expect(sent).toEqual([]);
    expect(errors).toEqual([]);
  });
});
