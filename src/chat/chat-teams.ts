/**
 * Which team each simple client talks to: a default-gallery team named by its label in the
 * config (CHAT_DEFAULT_TEAM for /ws/chat, CHAT_COMPLETIONS_TEAM for /chat/completions). A label
 * that names no gallery team stops the server at boot, listing the labels there are.
 */
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { componentSchema, type Component } from '../common/component.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { loadTeam, type LoadContext, type Team } from '../engine/index.js';
import { defaultGalleryConfig } from '../gallery/default-gallery.js';
import { ENGINE_CONTEXT } from '../live-runs/engine-context.provider.js';

/** A team config to build a fresh team from, once per run (replay scripts start over each time). */
export interface ChatTeam {
  label: string;
  /** A fresh team, loaded with `context` (a user's, see UserEngineContexts); absent: the server's. */
  load(context?: LoadContext): Team;
}

@Injectable()
export class ChatTeams {
  readonly socket: ChatTeam;
  readonly completions: ChatTeam;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ENGINE_CONTEXT) engine: LoadContext) {
    const gallery = defaultGalleryConfig({ useOpenAI: !!config.openai.apiKey });
    const teams = z.object({ teams: z.array(componentSchema) }).parse(gallery.components).teams;
    const pick = (key: string, label: string): ChatTeam => {
      const component: Component | undefined = teams.find((t) => t.label === label);
      if (!component) {
        throw new Error(`${key}: "${label}" is not a default-gallery team; use one of: ${teams.map((t) => `"${t.label}"`).join(', ')}`);
      }
      return { label, load: (context = engine) => loadTeam(component, context) };
    };
    this.socket = pick('CHAT_DEFAULT_TEAM', config.chat.socketTeam);
    this.completions = pick('CHAT_COMPLETIONS_TEAM', config.chat.completionsTeam);
  }
}
