import { describe, expect, it } from 'vitest'
import { isPrivateAddress, isPrivateHost } from './network.js'

describe('private addresses', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe'.replace('a9fe:a9fe', '169.254.169.254'),
    '224.0.0.1',
    '255.255.255.255',
  ])('%s is private', (ip) => expect(isPrivateAddress(ip)).toBe(true))

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:1.1.1.1', 'example.com'])(
    '%s is not',
    (ip) => expect(isPrivateAddress(ip)).toBe(false),
  )

  it('knows localhost and bracketed literals as hosts', () => {
    expect(isPrivateHost('localhost')).toBe(true)
    expect(isPrivateHost('api.localhost')).toBe(true)
    expect(isPrivateHost('[::1]')).toBe(true)
    expect(isPrivateHost('hooks.example.com')).toBe(false)
  })
})
