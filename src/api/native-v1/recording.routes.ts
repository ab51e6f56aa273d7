import { createReadStream } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { CallRecordingStore } from '../../app/voice-ports.js'
import { DomainError } from '../../core/errors.js'
import { errorSchema, idParam } from './schemas.js'

/** Call recordings: listed with their contact, downloaded by supervisors and admins. */
export function recordingRoutes(app: FastifyInstance, recordings: CallRecordingStore): void {
  const find = async (tenantId: string, contactId: string) => {
    const rec = await recordings.get(tenantId, contactId)
    if (!rec) throw new DomainError('NOT_FOUND', `contact ${contactId} has no recording`)
    return rec
  }

  app.get<{ Params: { contactId: string } }>(
    '/api/v1/contacts/:contactId/recording',
    {
      config: { access: ['supervisor', 'admin'] },
      schema: {
        tags: ['contacts'],
        summary: "A call's recording as WAV (8 kHz, 16-bit stereo: the caller left, the agent right)",
        params: idParam('contactId'),
        response: { 404: errorSchema },
      },
    },
    async (req, reply) => {
      const rec = await find(req.tenantId, req.params.contactId)
      const stream = createReadStream(rec.file)
      // Listed but gone from disk (removed by hand, or another node's disk): say so, not a 500.
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve())
        stream.once('error', () =>
          reject(
            new DomainError(
              'NOT_FOUND',
              `the recording of ${req.params.contactId} is no longer on this server`,
            ),
          ),
        )
      })
      return reply
        .type('audio/wav')
        .header('content-length', rec.bytes)
        .header('content-disposition', `attachment; filename="${req.params.contactId}.wav"`)
        .send(stream)
    },
  )
}

/** How a contact lists its recording (for those who may download it). */
export function recordingView(rec: {
  contactId: string
  durationMs: number
  bytes: number
  createdAt: number
}) {
  return {
    durationMs: rec.durationMs,
    bytes: rec.bytes,
    recordedAt: new Date(rec.createdAt).toISOString(),
    url: `/api/v1/contacts/${encodeURIComponent(rec.contactId)}/recording`,
  }
}
