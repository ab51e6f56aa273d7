import { parseClock } from '../core/calendar.js'
import { EVENT_TYPES } from '../core/events.js'
import { isValidTimeZone } from '../core/local-time.js'
import { isPrivateHost } from '../core/network.js'
import type { TenantDoc } from './document.js'

export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
    '',
  )
}

/** Every cross-reference problem of one tenant at once, with the path of each. */
export function crossCheck(t: TenantDoc, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const add = (path: string, message: string): void => void issues.push({ path: `${at}.${path}`, message })
  const uniq = (items: readonly { id: string }[], name: string): void => {
    const seen = new Set<string>()
    items.forEach((x, i) => {
      if (seen.has(x.id)) add(`${name}[${i}].id`, `duplicate id "${x.id}"`)
      seen.add(x.id)
    })
  }
  uniq(t.agents, 'agents')
  uniq(t.skillGroups, 'skillGroups')
  uniq(t.queues, 'queues')
  uniq(t.entryPoints, 'entryPoints')
  uniq(t.calendars, 'calendars')
  if (t.presence && t.presence.logoutAfterSeconds <= t.presence.notReadyAfterSeconds) {
    issues.push({
      path: `${at}.presence.logoutAfterSeconds`,
      message: 'must be longer than notReadyAfterSeconds',
    })
  }
  if (!isValidTimeZone(t.timeZone))
    issues.push({ path: `${at}.timeZone`, message: `unknown time zone "${t.timeZone}"` })
  if (t.pbx?.keyTimeZone && !isValidTimeZone(t.pbx.keyTimeZone))
    issues.push({ path: `${at}.pbx.keyTimeZone`, message: `unknown time zone "${t.pbx.keyTimeZone}"` })

  const agents = new Map(t.agents.map((a) => [a.id, a]))
  const groups = new Map(t.skillGroups.map((g) => [g.id, g]))
  const queues = new Map(t.queues.map((q) => [q.id, q]))
  const calendars = new Set(t.calendars.map((c) => c.id))

  const usernames = new Set<string>()
  const login = (path: string, username: string, password?: string, hash?: string): void => {
    if (usernames.has(username)) add(`${path}.username`, `duplicate username "${username}"`)
    usernames.add(username)
    if (!password && !hash) add(path, `user "${username}" needs a password or passwordHash`)
  }
  t.agents.forEach((a, i) => {
    if (a.username) login(`agents[${i}]`, a.username, a.password, a.passwordHash)
    if (Object.keys(a.channels).length === 0)
      add(`agents[${i}].channels`, 'an agent needs at least one channel')
  })
  t.users.forEach((u, i) => {
    login(`users[${i}]`, u.username, u.password, u.passwordHash)
    if (u.agentId !== undefined && !agents.has(u.agentId))
      add(`users[${i}].agentId`, `no agent "${u.agentId}"`)
    if (u.role === 'agent' && u.agentId === undefined)
      add(`users[${i}].agentId`, 'a user with role agent must name its agent')
  })

  t.calendars.forEach((c, i) => {
    if (c.timeZone !== undefined && !isValidTimeZone(c.timeZone))
      add(`calendars[${i}].timeZone`, `unknown time zone "${c.timeZone}"`)
    for (const [day, ranges] of Object.entries(c.weekly)) {
      ranges?.forEach((r, j) => {
        const [open = '', close = ''] = r.split('-')
        const o = parseClock(open)
        const cl = parseClock(close)
        if (o === undefined || cl === undefined || cl <= o)
          add(`calendars[${i}].weekly.${day}[${j}]`, `"${r}" is not an opening range`)
      })
    }
  })

  t.skillGroups.forEach((g, i) => {
    for (const agentId of Object.keys(g.members)) {
      const a = agents.get(agentId)
      if (!a) add(`skillGroups[${i}].members.${agentId}`, `no agent "${agentId}"`)
      else if (!a.channels[g.channel])
        add(`skillGroups[${i}].members.${agentId}`, `agent "${agentId}" has no ${g.channel} channel`)
    }
  })

  t.queues.forEach((q, i) => {
    if ((q.skillGroups === undefined) === (q.tiers === undefined)) {
      add(`queues[${i}]`, 'give either skillGroups (one tier) or tiers')
      return
    }
    const tiers = q.tiers ?? [{ skillGroups: q.skillGroups ?? [], afterSeconds: 0 }]
    const channels = new Set<string>()
    tiers.forEach((tier, k) => {
      const where = q.tiers ? `queues[${i}].tiers[${k}]` : `queues[${i}]`
      if (k === 0 && tier.afterSeconds !== 0)
        add(`${where}.afterSeconds`, 'the first tier must start at 0 seconds')
      const prev = tiers[k - 1]
      if (prev && tier.afterSeconds <= prev.afterSeconds)
        add(`${where}.afterSeconds`, 'tiers must open at increasing times')
      tier.skillGroups.forEach((gid, j) => {
        const g = groups.get(gid)
        if (!g) add(`${where}.skillGroups[${j}]`, `no skill group "${gid}"`)
        else channels.add(g.channel)
      })
    })
    if (channels.size > 1) add(`queues[${i}]`, 'all skill groups of a queue must be of one channel')
    const groupChannel = [...channels][0]
    if (q.channel !== undefined && groupChannel !== undefined && q.channel !== groupChannel) {
      add(`queues[${i}].channel`, `the queue's skill groups are ${groupChannel}`)
    }
    if (q.overflowQueue !== null) {
      const o = queues.get(q.overflowQueue)
      if (!o) add(`queues[${i}].overflowQueue`, `no queue "${q.overflowQueue}"`)
      else if (o.id === q.id) add(`queues[${i}].overflowQueue`, 'a queue cannot overflow into itself')
      if (q.maxWaitSeconds === null) add(`queues[${i}].maxWaitSeconds`, 'overflow needs maxWaitSeconds')
    }
  })

  t.entryPoints.forEach((e, i) => {
    const q = queues.get(e.queue)
    if (!q) add(`entryPoints[${i}].queue`, `no queue "${e.queue}"`)
    e.chat.maskingPatterns?.forEach((pattern, k) => {
      try {
        new RegExp(pattern, 'g')
      } catch {
        add(`entryPoints[${i}].chat.maskingPatterns[${k}]`, `"${pattern}" is not a valid regular expression`)
      }
    })
    if (e.calendar !== null && !calendars.has(e.calendar))
      add(`entryPoints[${i}].calendar`, `no calendar "${e.calendar}"`)
    if (e.leaveMessageQueue !== null && !queues.has(e.leaveMessageQueue))
      add(`entryPoints[${i}].leaveMessageQueue`, `no queue "${e.leaveMessageQueue}"`)
  })
  const entryPoints = new Set(t.entryPoints.map((e) => e.id))
  const accessNumbers = new Set(t.entryPoints.flatMap((e) => e.voice?.numbers ?? []))
  t.entryPoints.forEach((e, i) => {
    const number = e.chat.clickToCall?.accessNumber
    if (number !== undefined && !accessNumbers.has(number))
      add(
        `entryPoints[${i}].chat.clickToCall.accessNumber`,
        `no voice entry point has the number "${number}" (entryPoints[].voice.numbers)`,
      )
  })
  t.aicc?.channels.forEach((c, i) => {
    if (!entryPoints.has(c.entryPoint))
      add(`aicc.channels[${i}].entryPoint`, `no entry point "${c.entryPoint}"`)
    if (c.clickToCall && !accessNumbers.has(c.clickToCall.accessNumber))
      add(
        `aicc.channels[${i}].clickToCall.accessNumber`,
        `no voice entry point has the number "${c.clickToCall.accessNumber}" (entryPoints[].voice.numbers)`,
      )
  })
  uniq(t.webhooks, 'webhooks')
  t.webhooks.forEach((w, i) => {
    w.events.forEach((type, j) => {
      if (type !== '*' && !(EVENT_TYPES as readonly string[]).includes(type))
        add(`webhooks[${i}].events[${j}]`, `no event type "${type}" (one of ${EVENT_TYPES.join(', ')}, or *)`)
    })
    if (!w.allowPrivateNetwork && isPrivateHost(new URL(w.url).hostname))
      add(
        `webhooks[${i}].url`,
        'a loopback or private address: set allowPrivateNetwork: true if this receiver is meant to be inside your network',
      )
  })
  for (const agentId of Object.keys(t.cxone?.agents ?? {}))
    if (!t.agents.some((a) => a.id === agentId)) add(`cxone.agents.${agentId}`, `no agent "${agentId}"`)
  t.aicc?.apps.forEach((a, i) => {
    if (!a.appSecret && !a.appSecretHash) add(`aicc.apps[${i}]`, 'give appSecret (or appSecretHash)')
  })
  issues.push(...voiceIssues(t).map((i) => ({ ...i, path: `${at}.${i.path}` })))
  uniq(t.cannedResponses, 'cannedResponses')
  t.cannedResponses.forEach((r, i) =>
    r.queues.forEach((q, k) => {
      if (!queues.has(q)) add(`cannedResponses[${i}].queues[${k}]`, `no queue "${q}"`)
    }),
  )
  return issues
}

/** Extensions, access numbers and trunks: unique, and pointing at voice things. */
function voiceIssues(t: TenantDoc): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const add = (path: string, message: string): void => void issues.push({ path, message })
  const queueChannel = new Map(
    t.queues.map((q) => [
      q.id,
      q.channel ??
        t.skillGroups.find((g) => g.id === (q.skillGroups ?? q.tiers?.[0]?.skillGroups ?? [])[0])?.channel,
    ]),
  )
  const extensions = new Set<string>()
  t.agents.forEach((a, i) => {
    if (!a.extension) return
    if (!t.voice) add(`agents[${i}].extension`, "extensions need the tenant's voice settings (voice: {})")
    if (extensions.has(a.extension.number))
      add(`agents[${i}].extension.number`, `duplicate extension "${a.extension.number}"`)
    extensions.add(a.extension.number)
    if (!a.extension.password && !a.extension.ha1)
      add(`agents[${i}].extension`, 'give the phone a password (or its ha1)')
    if (!a.channels.voice) add(`agents[${i}].channels`, 'an agent with an extension needs the voice channel')
  })
  const numbers = new Set<string>()
  t.entryPoints.forEach((e, i) => {
    if (!e.voice) return
    if (!t.voice)
      add(`entryPoints[${i}].voice`, "access numbers need the tenant's voice settings (voice: {})")
    if (queueChannel.get(e.queue) !== 'voice')
      add(`entryPoints[${i}].queue`, `"${e.queue}" is not a voice queue`)
    e.voice.numbers.forEach((n, k) => {
      if (numbers.has(n) || extensions.has(n))
        add(`entryPoints[${i}].voice.numbers[${k}]`, `"${n}" is already an access number or an extension`)
      numbers.add(n)
    })
  })
  const trunks = new Set<string>()
  t.voice?.trunks.forEach((k, i) => {
    if (trunks.has(k.id)) add(`voice.trunks[${i}].id`, `duplicate id "${k.id}"`)
    trunks.add(k.id)
    if ((k.username === undefined) !== (k.password === undefined))
      add(`voice.trunks[${i}]`, 'give both username and password, or neither')
  })
  if (t.voice && t.voice.registrationSeconds.min > t.voice.registrationSeconds.max)
    add('voice.registrationSeconds', 'min must not be above max')
  const queueNumbers = new Map<string, string>()
  t.queues.forEach((q, i) => {
    if (!q.voice) return
    const n = q.voice.number ?? q.id
    const other = queueNumbers.get(n)
    if (other !== undefined) add(`queues[${i}].voice.number`, `queue "${other}" already has number "${n}"`)
    queueNumbers.set(n, q.id)
  })
  if (t.pbx && !t.voice) add('pbx', "the PBX API needs the tenant's voice settings (voice: {})")
  t.entryPoints.forEach((e, i) => {
    const menu = e.voice?.menu
    if (!menu) return
    const target = (ep: string, path: string) => {
      const found = t.entryPoints.find((x) => x.id === ep)
      if (!found) add(`entryPoints[${i}].voice.menu.${path}`, `no entry point "${ep}"`)
      else if (queueChannel.get(found.queue) !== 'voice')
        add(`entryPoints[${i}].voice.menu.${path}`, `entry point "${ep}" does not lead to a voice queue`)
    }
    if (Object.keys(menu.choices).length === 0)
      add(`entryPoints[${i}].voice.menu.choices`, 'give at least one choice')
    for (const [digit, ep] of Object.entries(menu.choices)) target(ep, `choices.${digit}`)
    if (menu.otherwise !== null) target(menu.otherwise, 'otherwise')
  })
  return issues
}
