import { Router } from 'express';
import { buildOpenApiDocument } from './openapiDocument.ts';

/** `GET /openapi.json`, unauthenticated: the document is built once, from the event catalogue. */
export function openapiRoute(): Router {
  const body = JSON.stringify(buildOpenApiDocument());
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
