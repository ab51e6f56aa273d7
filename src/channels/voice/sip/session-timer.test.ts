import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SipHeaders } from './headers.js'
import { request } from './message.js'
import { SessionTimer, sessionTimerHeaders, sessionTimerOf } from './session-timer.js'

const invite = (headers: Record<string, string>) =>
  request(
    'INVITE',
    'sip:8000@127.0.0.1',
    SipHeaders.of({
      via: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKst',
      from: '<sip:a@b>;tag=1',
      to: '<sip:8000@127.0.0.1>',
      'call-id': 'st',
      cseq: '1 INVITE',
      ...headers,
    }),
  )

describe('the session timer an INVITE asks for (RFC 4028 §9)', () => {
  it.each([
    ['none', {}, undefined],
    ['too small', { 'session-expires': '60' }, { tooSmall: true }],
    [
      'the caller refreshes when it supports timer',
      { 'session-expires': '1800', supported: 'timer, 100rel' },
      { interval: 1800, refresher: 'uac', required: true },
    ],
    [
      'we refresh when it does not',
      { 'session-expires': '1800' },
      { interval: 1800, refresher: 'uas', required: false },
    ],
    [
      'the refresher it names',
      { 'session-expires': '600;refresher=uas', supported: 'timer' },
      { interval: 600, refresher: 'uas', required: true },
    ],
  ])('%s', (_, headers, terms) => {
    expect(sessionTimerOf(invite(headers))).toEqual(terms)
  })

  it('says so in the 2xx', () => {
    expect(sessionTimerHeaders({ interval: 1800, refresher: 'uac', required: true })).toEqual({
      'session-expires': '1800;refresher=uac',
      require: 'timer',
    })
  })
})

describe('keeping a session (RFC 4028 §10)', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('ends a session the caller does not refresh, a third (at most 32 s) before it runs out', () => {
    const expired = vi.fn()
    const t = new SessionTimer({ interval: 90, refresher: 'uac', required: true }, async () => true, expired)
    vi.advanceTimersByTime(59_000)
    t.refreshed()
    vi.advanceTimersByTime(59_000)
    expect(expired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1_000)
    expect(expired).toHaveBeenCalledOnce()
  })

  it('refreshes at half the interval when we are the refresher, and ends when the refresh finds nobody', async () => {
    const answers = [true, false]
    const refresh = vi.fn(async () => answers.shift() ?? false)
    const expired = vi.fn()
    new SessionTimer({ interval: 1800, refresher: 'uas', required: false }, refresh, expired)
    await vi.advanceTimersByTimeAsync(900_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(expired).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(900_000)
    expect(refresh).toHaveBeenCalledTimes(2)
    expect(expired).toHaveBeenCalledOnce()
  })
})
