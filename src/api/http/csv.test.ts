import { describe, expect, it } from 'vitest'
import { toCsv } from './csv.js'

describe('toCsv', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    const csv = toCsv([
      { name: 'Smith, "Jo"', note: 'two\nlines', n: 3, empty: null },
      { name: '=HYPERLINK("http://x")', note: '-1+2', n: -1, empty: undefined },
    ])
    expect(csv.split('\r\n')).toEqual([
      'name,note,n,empty',
      '"Smith, ""Jo""","two\nlines",3,',
      `"'=HYPERLINK(""http://x"")",'-1+2,-1,`,
      '',
    ])
  })

  it('writes the header alone for no rows when columns are given', () => {
    expect(toCsv([], ['a', 'b'])).toBe('a,b\r\n')
  })
})
