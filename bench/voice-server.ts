// Child process for the voice benchmark: the server with a tenant of N phone agents, all ready.
import { agentState } from '../src/core/commands.js'
import { startVoiceServer } from '../test/support/voice-server.js'

const [rtpengine = '', recordingDir = '', agentsArg = '50'] = process.argv.slice(2)
const n = Number(agentsArg)
const agents = Array.from({ length: n }, (_, i) => ({
  id: `a${i + 1}`,
  channels: { voice: { maxTasks: 1 } },
  extension: { number: String(2001 + i), password: 'loadpass' },
}))
const tenant = {
  id: 'load',
  agents,
  skillGroups: [
    { id: 'phones', channel: 'voice', members: Object.fromEntries(agents.map((a) => [a.id, 5])) },
  ],
  queues: [
    { id: 'phones', skillGroups: ['phones'], offerTimeoutSeconds: 30, wrapUpSeconds: 0, maxDepth: null },
  ],
  entryPoints: [{ id: 'line', queue: 'phones', voice: { numbers: ['9000'] } }],
  voice: { trunks: [{ id: 'load', host: '127.0.0.1' }], announceEverySeconds: 0 },
  presence: null,
}
const server = await startVoiceServer([tenant], { ng: rtpengine, recordingDir: recordingDir || undefined })
const runtime = server.sb.runtime('load')
await Promise.all(agents.map((a) => runtime.run(agentState(a.id, 'voice', 'ready', null))))
process.stdout.write(`READY ${server.voice!.sip.port}\n`)
// How many agents' phones are registered and how many calls agents answered, each time either
// changes: the calls benchmark waits for every phone, and checks every call reached an agent.
let said = ''
setInterval(() => {
  const phones = runtime.query({ type: 'agents' }).filter((a) => a.channels.voice?.reachable).length
  const answered =
    runtime.query({ type: 'floor' }).queues.find((q) => q.queueId === 'phones')?.answeredToday ?? 0
  const line = `PHONES ${phones} ANSWERED ${answered}`
  if (line !== said) process.stdout.write(`${(said = line)}\n`)
}, 200).unref()
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)))
