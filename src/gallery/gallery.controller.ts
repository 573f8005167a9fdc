import { Body, Controller, HttpCode, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { idParamSchema } from '../common/params.js';
import { userQuerySchema } from '../common/row.js';
import { type GalleryDto, gallerySchema, type SaveGallery, saveGallerySchema, toGalleryDto } from './gallery.dto.js';
import { GalleryService } from './gallery.service.js';

@ApiTags('gallery')
@Controller('api/gallery')
export class GalleryController {
  constructor(private readonly galleries: GalleryService) {}

  @Get()
  @ApiOkResponse({ standardSchema: envelopeOf(z.array(gallerySchema)) })
  async list(@Query({ schema: userQuerySchema }) _q: unknown, @CurrentUser() caller: Caller): Promise<Envelope<GalleryDto[]>> {
    return ok((await this.galleries.list(caller)).map(toGalleryDto));
  }

  @Get(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(gallerySchema) })
  async get(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<GalleryDto>> {
    return ok(toGalleryDto(await this.galleries.get(id, caller)));
  }

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(gallerySchema) })
  async create(@Body({ schema: saveGallerySchema }) body: SaveGallery, @CurrentUser() caller: Caller): Promise<Envelope<GalleryDto>> {
    return ok(toGalleryDto(await this.galleries.create(caller, body.config)), 'Gallery created successfully');
  }

  @Put(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(gallerySchema) })
  async update(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @Body({ schema: saveGallerySchema }) body: SaveGallery,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<GalleryDto>> {
    return ok(toGalleryDto(await this.galleries.update(id, caller, body.config)), 'Gallery updated successfully');
  }

  @Delete(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(z.null()) })
  async delete(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<null>> {
    await this.galleries.delete(id, caller);
    return ok(null, 'Gallery deleted successfully');
  }
}
