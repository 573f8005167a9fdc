/** Finds a run for a caller: someone else's run is as missing as a run that does not exist (admins see all). */
import { Injectable } from '@nestjs/common';
import { type Caller, ownedBy } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import { DatabaseService } from '../database/database.service.js';
import { RunEntity } from './run.entity.js';

@Injectable()
export class RunAccess {
  constructor(private readonly db: DatabaseService) {}

  async run(id: number, caller: Caller): Promise<RunEntity> {
    const run = await this.db.dataSource.getRepository(RunEntity).findOne({ where: { id, ...ownedBy(caller) } });
    if (!run) throw new NotFoundError('Run', id);
    return run;
  }
}
