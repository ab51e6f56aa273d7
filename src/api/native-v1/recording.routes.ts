import type { ReadStream } from 'node:fs'
import { createReadStream } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { CallRecording, CallRecordingStore } from '../../app/voice-ports.js'
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
      const stream = await openRecording(rec)
      return reply
        .type('audio/wav')
        .header('content-length', rec.bytes)
        .header('content-disposition', `attachment; filename="${req.params.contactId}.wav"`)
        .send(stream)
    },
  )
}

/** The recording's file, opened; listed but gone from disk (removed by hand, another node's disk) is a 404, not a 500. */
export async function openRecording(rec: CallRecording): Promise<ReadStream> {
  const stream = createReadStream(rec.file)
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', () =>
      reject(new DomainError('NOT_FOUND', `the recording of ${rec.contactId} is no longer on this server`)),
    )
  })
  return stream
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
