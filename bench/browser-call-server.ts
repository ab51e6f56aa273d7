// Child process for the browser-call benchmark: the server with a tenant of phone agents, a chat
// agent, and the demo's AICC app and channel (the sample page /demo/click-to-call signs in with
// them), its click-to-call dialling the access number 9000.
import { startVoiceServer } from '../test/support/voice-server.js'

const [rtpengine = '', agentsArg = '5'] = process.argv.slice(2)
const phones = Array.from({ length: Number(agentsArg) }, (_, i) => ({
  id: `a${i + 1}`,
  name: `Agent ${i + 1}`,
  channels: { voice: { maxTasks: 1 } },
  extension: { number: String(2001 + i), password: 'loadpass' },
}))
const tenant = {
  id: 'load',
  agents: [
    ...phones,
    {
      id: 'chat',
      name: 'Chat agent',
      username: 'chat',
      password: 'chatagent',
      channels: { chat: { maxTasks: 50 } },
    },
  ],
  skillGroups: [
    { id: 'phones', channel: 'voice', members: Object.fromEntries(phones.map((a) => [a.id, 5])) },
    { id: 'chats', channel: 'chat', members: { chat: 5 } },
  ],
  queues: [
    { id: 'phones', skillGroups: ['phones'], offerTimeoutSeconds: 30, wrapUpSeconds: 0, maxDepth: null },
    { id: 'chats', skillGroups: ['chats'], offerTimeoutSeconds: 600, wrapUpSeconds: 0, maxDepth: null },
  ],
  entryPoints: [
    { id: 'line', queue: 'phones', voice: { numbers: ['9000'] } },
    { id: 'web', queue: 'chats' },
  ],
  voice: { trunks: [{ id: 'load', host: '127.0.0.1' }], announceEverySeconds: 0 },
  aicc: {
    apps: [{ appKey: 'demo-app-key', appSecret: 'demo-app-secret' }],
    channels: [{ configId: 'web-1000', entryPoint: 'web', clickToCall: { accessNumber: '9000' } }],
  },
  presence: null,
}
const server = await startVoiceServer([tenant], { ng: rtpengine })
const runtime = server.sb.runtime('load')
await runtime.run({
  type: 'setAgentState',
  agentId: 'chat',
  channel: 'chat',
  state: 'ready',
  reason: null,
  by: 'chat',
})
for (const a of phones)
  await runtime.run({
    type: 'setAgentState',
    agentId: a.id,
    channel: 'voice',
    state: 'ready',
    reason: null,
    by: a.id,
  })
process.stdout.write(`READY ${server.url} ${server.voice!.sip.port}\n`)
// Phones registered and calls up, each time either changes: the benchmark waits for them.
let said = ''
setInterval(() => {
  const agents = runtime.query({ type: 'agents' })
  const phonesUp = agents.filter((a) => a.channels.voice?.reachable).length
  const talking = agents.filter((a) => (a.channels.voice?.activeTasks ?? 0) > 0).length
  const line = `PHONES ${phonesUp} TALKING ${talking}`
  if (line !== said) process.stdout.write(`${(said = line)}\n`)
}, 100).unref()
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)))
