import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { allowedHosts, checkHost, type AllowedHosts } from './allowed-hosts.js';

/** Refuses (403) a REST request whose `Host` is not one this server answers to (ALLOWED_HOSTS; see allowed-hosts.ts). */
@Injectable()
export class HostCheckMiddleware implements NestMiddleware {
  private readonly allowed: AllowedHosts;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = allowedHosts(config.edge.allowedHosts, config.http.host);
  }

  use(req: Request, _res: Response, next: NextFunction): void {
    checkHost(req.headers.host, this.allowed);
    next();
  }
}
