import { describe, expect, it } from 'vitest'
import { fieldsOf } from './form.js'

describe("reading 004's request bodies", () => {
  it('splits the samples written without & by the names the call takes', () => {
    expect(fieldsOf('queue=630member=808state=on', {}, ['queue', 'member', 'state'])).toEqual({
      queue: '630',
      member: '808',
      state: 'on',
    })
    expect(fieldsOf('dst=801src=802', {}, ['dst', 'src'])).toEqual({ dst: '801', src: '802' })
    expect(fieldsOf('extension=800queue=630', {}, ['extension', 'queue'])).toEqual({
      extension: '800',
      queue: '630',
    })
  })

  it('reads well-formed forms (unknown fields ignored), JSON and the query string, the body first', () => {
    expect(fieldsOf('src=808&x=1&dst=%2B4420', {}, ['src', 'dst'])).toEqual({ src: '808', dst: '+4420' })
    expect(fieldsOf('{"number": 123456}', {}, ['number'])).toEqual({ number: '123456' })
    expect(fieldsOf({ number: 5 }, { number: '6' }, ['number'])).toEqual({ number: '5' })
    expect(fieldsOf(undefined, { number: '6' }, ['number'])).toEqual({ number: '6' })
    expect(fieldsOf('{"broken', {}, ['number'])).toEqual({})
    expect(fieldsOf({ number: ['a'] }, {}, ['number'])).toEqual({})
  })
})
