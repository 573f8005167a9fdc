/**
 * Turns a `start` frame into a started run: checks the task, finds the team (the frame's
 * `team_config`, else the session's stored team) and hands both to the WebSocketManager. A config
 * that does not load is not refused here: the run starts and ends with a `completion` error
 * naming the problem, as AGS users expect to see it in the run.
 */
import { Injectable } from '@nestjs/common';
import { userCaller } from '../auth/caller.js';
import { AppError } from '../common/errors.js';
import type { JsonValue } from '../common/json.js';
import { restoreSecrets } from '../common/secrets.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TeamsService } from '../teams/teams.service.js';
import { RunEntity } from './run.entity.js';
import { buildTaskMessages, type TaskLimits } from './task-messages.js';
import { WebSocketManager } from './websocket-manager.js';
import type { StartFrame } from './ws-frames.js';

@Injectable()
export class RunStarter {
  constructor(
    private readonly sessions: SessionsService,
    private readonly savedTeams: TeamsService,
    private readonly manager: WebSocketManager,
  ) {}

  /** Starts `run`; throws AppError bad_request (task, files, no team), conflict (started before), too_many. */
  async start(run: RunEntity, frame: StartFrame, limits: TaskLimits): Promise<void> {
    if (run.status !== 'created' || this.manager.isLive(run.id)) {
      throw new AppError('conflict', `Run ${run.id} has already been started`);
    }
    const task = buildTaskMessages(frame.task, frame.files, limits);
    const { teamId, component: stored } = await this.sessionTeam(run);
    // The front-end sends the team as it read it, secrets redacted: put the stored ones back.
    const component = frame.team_config == null ? stored : restoreSecrets(frame.team_config as JsonValue, stored as JsonValue | undefined);
    if (component === undefined || component === null) {
      throw new AppError('bad_request', `No team: the start frame has no team_config and session ${run.session_id} has no team`);
    }
    await this.manager.start({
      run: { id: run.id, sessionId: run.session_id, userId: run.user_id },
      task,
      component,
      teamId,
      onDisconnect: frame.on_disconnect,
      inputTimeoutS: frame.input_timeout_s,
    });
  }

  /** The team stored for the run's session, read as its owner (the run and session share one). */
  private async sessionTeam(run: RunEntity): Promise<{ teamId: number; component: unknown }> {
    const owner = userCaller(run.user_id);
    const session = await this.sessions.get(run.session_id, owner);
    return { teamId: session.team_id, component: (await this.savedTeams.get(session.team_id, owner)).component };
  }
}
