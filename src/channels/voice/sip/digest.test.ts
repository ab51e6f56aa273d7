import { describe, expect, it } from 'vitest'
import { authorizationFor, DigestAuthenticator, digestHa1, digestResponse, parseDigest } from './digest.js'

describe('digest authentication', () => {
  it('computes the response of RFC 2617 §3.5', () => {
    expect(
      digestResponse({
        ha1: digestHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life'),
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1')
  })

  it('lets in the right password, refuses a wrong one, and asks again without a prompt when the nonce is old', () => {
    const auth = new DigestAuthenticator('switchboard', 60_000)
    const challenge = parseDigest(auth.challenge(1000))
    expect(challenge).toMatchObject({ realm: 'switchboard', qop: 'auth', algorithm: 'MD5' })
    const passwords: Record<string, string> = { '801': digestHa1('801', 'switchboard', 'secret801') }
    const header = authorizationFor(
      challenge!,
      { username: '801', password: 'secret801' },
      'REGISTER',
      'sip:127.0.0.1',
    )
    expect(auth.check(header, 'REGISTER', 2000, (u) => passwords[u])).toEqual({ ok: true, username: '801' })
    // The same header for another method (a replay of a REGISTER as INVITE) does not verify.
    expect(auth.check(header, 'INVITE', 2000, (u) => passwords[u])).toEqual({ ok: false, stale: false })
    const wrong = authorizationFor(
      challenge!,
      { username: '801', password: 'guess' },
      'REGISTER',
      'sip:127.0.0.1',
    )
    expect(auth.check(wrong, 'REGISTER', 2000, (u) => passwords[u])).toEqual({ ok: false, stale: false })
    expect(auth.check(header, 'REGISTER', 1000 + 61_000, (u) => passwords[u])).toEqual({
      ok: false,
      stale: true,
    })
    // A nonce of another server (or forged) is refused outright.
    const forged = header.replace(/nonce="[^"]+"/, 'nonce="kx.AAAAAAAAAAAAAAAAAAAAAA"')
    expect(auth.check(forged, 'REGISTER', 2000, (u) => passwords[u])).toEqual({ ok: false, stale: false })
    expect(auth.check(undefined, 'REGISTER', 2000, (u) => passwords[u])).toEqual({ ok: false, stale: false })
    expect(auth.check('Basic Zm9vOmJhcg==', 'REGISTER', 2000, (u) => passwords[u])).toEqual({
      ok: false,
      stale: false,
    })
  })
})
