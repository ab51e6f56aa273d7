import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { actingAgent } from '../http/authenticate.js'
import { errorSchema, idParam } from './schemas.js'
import { contactView } from './views.js'

export function offerRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.post<{ Params: { offerId: string } }>(
    '/api/v1/offers/:offerId/accept',
    {
      config: { access: ['agent'] },
      schema: {
        tags: ['offers'],
        summary: 'Accept an offer: the contact is connected to you',
        params: idParam('offerId'),
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const agentId = actingAgent(req)
      const tenant = sb.tenant(req.tenantId)
      // With SIP phones a call is answered on the phone: accepting here would connect no audio.
      const isCall = (await tenant.ask({ type: 'offer', offerId: req.params.offerId }))?.channel === 'voice'
      if (isCall && sb.storedConfig(req.tenantId).config.voice)
        throw new DomainError(
          'CONTACT_STATE_CONFLICT',
          'a call is answered on your phone, which is ringing now',
        )
      return contactView(await tenant.run({ type: 'acceptOffer', offerId: req.params.offerId, agentId }))
    },
  )

  app.post<{ Params: { offerId: string }; Body: { reason?: string } | undefined }>(
    '/api/v1/offers/:offerId/reject',
    {
      config: { access: ['agent'] },
      schema: {
        tags: ['offers'],
        summary: 'Reject an offer: the contact goes back to its original place in line',
        params: idParam('offerId'),
        body: {
          type: ['object', 'null'],
          properties: { reason: { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const agentId = actingAgent(req)
      const reason = req.body?.reason ?? null
      const c = await sb
        .tenant(req.tenantId)
        .run({ type: 'rejectOffer', offerId: req.params.offerId, agentId, reason })
      return { contactId: c.id, state: c.state }
    },
  )
}
