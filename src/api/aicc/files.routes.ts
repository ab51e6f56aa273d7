import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AICC, AiccError } from './errors.js'
import { OPEN, aiccContext, perUser, userOf } from './context.js'
import type { AiccDeps } from './routes.js'

// Base64 makes a file a third larger: the largest entry-point limit (50 MB) fits.
const BODY_LIMIT = 70 * 1024 * 1024
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The file a CHAT message of a given media type refers to: IMAGE, AUDIO and VIDEO carry the
 * id (FILE_IMAGE / FILE_VIDEO as "id,type"), FILE carries "name,size,id,type".
 */
export function fileOfContent(mediaType: string, content: string): { id: string; name?: string } {
  const parts = content.split(',')
  if (mediaType === 'FILE') {
    const [name, , id] = parts
    if (!name || !id) throw new AiccError(200, AICC.badParameter, 'FILE content is "name,size,fileId,type"')
    return { id, name }
  }
  const id = parts[0]
  if (!id)
    throw new AiccError(200, AICC.badParameter, `${mediaType} content is the fileId of uploadFileStream`)
  return { id }
}

/** Customer files: uploaded first (base64 in JSON), then sent by id; downloaded the same way. */
export function fileRoutes(app: FastifyInstance, deps: AiccDeps): void {
  const { sb, sessions, files } = deps
  const { activeSession } = aiccContext(sb, sessions)

  app.post<{ Body: { fileType?: string; fileStream?: string; channel?: string } }>(
    '/apiaccess/ccmessaging/uploadFileStream',
    {
      config: perUser(deps.sb, 20),
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['AICC'],
        summary: 'Upload a file (base64) to the open chat; send it with CHAT and its objectKey',
        body: {
          type: 'object',
          properties: {
            fileType: { type: 'string', maxLength: 16 },
            fileStream: { type: 'string' },
            channel: { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const { fileType, fileStream, channel } = req.body
      const fail = (code: string, desc: string) => ({ returnCode: code, resultCode: code, resultDesc: desc })
      if (!fileType || !fileStream || !channel)
        return fail('2', 'fileType, fileStream and channel are required')
      if (channel !== 'WEB' || !BASE64.test(fileStream))
        return fail('3', 'fileStream must be base64; channel WEB')
      const contact = await sessions.open(userOf(s))
      if (!contact) return fail('13', 'no open chat to send a file in')
      const data = Buffer.from(fileStream, 'base64')
      try {
        const ref = await files.save(
          sb.tenant(s.tenantId),
          contact.id,
          `file.${fileType.toLowerCase()}`,
          data,
        )
        return { returnCode: AICC.ok, resultCode: AICC.ok, resultDesc: '', objectKey: ref.id }
      } catch (e) {
        return fail('3', e instanceof Error ? e.message : 'the file was refused')
      }
    },
  )

  const download = async (req: FastifyRequest, reply: FastifyReply, objectKey: string | undefined) => {
    const s = await activeSession(req, reply)
    if (!objectKey) return { resultCode: '401', resultDesc: 'objectKey is null!' }
    const a = await files.get(s.tenantId, objectKey)
    // Only the files of this user's own chats.
    const contact = a && (await sb.queries.contact(s.tenantId, a.contactId))
    if (!a || contact?.customer.externalId !== `aicc:${s.channelId}:${s.userId}`)
      return { resultCode: AICC.saveFailed, resultDesc: 'fsservice downloadFile is failed' }
    return {
      resultCode: AICC.ok,
      resultDesc: '',
      fileStream: Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64'),
    }
  }
  app.get<{ Querystring: { objectKey?: string } }>(
    '/apiaccess/ccmessaging/downloadFileStream',
    { config: OPEN, schema: { tags: ['AICC'], summary: 'A file of the chat, base64, by objectKey' } },
    (req, reply) => download(req, reply, req.query.objectKey),
  )
  app.post<{ Body: { objectKey?: string } }>(
    '/apiaccess/ccmessaging/downloadFileStream',
    { config: OPEN, schema: { tags: ['AICC'], summary: 'A file of the chat, base64, by objectKey' } },
    (req, reply) => download(req, reply, req.body?.objectKey),
  )
}
