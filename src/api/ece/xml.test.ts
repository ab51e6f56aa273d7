import fc from 'fast-check'
import { SaxesParser } from 'saxes'
import { describe, expect, it } from 'vitest'
import { eceDocument, element } from './xml.js'
import { errorXml, transcriptXml } from './views.js'

/**
 * Parses with saxes, a strict XML 1.0 parser that checks every character (§2.2): the texts and
 * attribute values it read, in document order. Throws on anything not well-formed.
 */
function parse(xml: string): { texts: string[]; attributes: string[] } {
  const texts: string[] = []
  const attributes: string[] = []
  const parser = new SaxesParser({ xmlns: true })
  parser.on('error', (e) => {
    throw e
  })
  let depth = 0
  // Text inside the root only (the line break after the declaration is not the document's).
  parser.on('text', (t) => depth > 0 && texts.push(t))
  parser.on('opentag', (tag) => {
    depth++
    for (const a of Object.values(tag.attributes)) if (!a.name.startsWith('xmlns')) attributes.push(a.value)
  })
  parser.on('closetag', () => depth--)
  parser.write(xml).close()
  return { texts, attributes }
}

// Every UTF-16 code unit on its own (lone surrogates, controls, U+FFFE) and whole code points.
const anyText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

/** What survives: characters XML cannot carry become U+FFFD, the rest comes back as it was. */
const carried = (s: string): string =>
  s.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  )

describe('hardening item 4: every ECE XML writer emits well-formed XML 1.0, whatever the text', () => {
  it('item 4: a transcript holding U+0001 parses', () => {
    const xml = transcriptXml('sid-1', [
      {
        id: 'm1',
        contactId: 'c1',
        seq: 1,
        from: 'customer',
        agentId: null,
        text: 'order \u0001 42',
        at: 0,
        attachment: null,
      },
    ])
    expect(parse(xml).texts).toEqual(['order \uFFFD 42'])
  })

  it('item 4: element text and attribute values of any string parse back to that string', () => {
    fc.assert(
      fc.property(anyText, anyText, (text, value) => {
        const got = parse(eceDocument('root', { a: value }, element('ns2:child', text, { b: value })))
        expect(got.texts).toEqual(text === '' ? [] : [carried(text)])
        expect(got.attributes).toEqual([carried(value), carried(value)])
      }),
      { numRuns: 2000 },
    )
  })

  it('item 4: transcripts and error documents of any strings parse', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, (sid, text, name) => {
        const xml = transcriptXml(sid, [
          {
            id: 'm1',
            contactId: 'c1',
            seq: 1,
            from: 'agent',
            agentId: 'a1',
            text,
            at: 0,
            attachment: { id: 'f1', name, contentType: 'text/plain', size: 1 },
          },
        ])
        const got = parse(xml)
        expect(got.attributes[0]).toBe(carried(sid))
        expect(got.texts).toEqual(text === '' ? [] : [carried(text)])
        expect(parse(errorXml('400-115', text)).texts).toEqual(
          text === '' ? ['400-115'] : ['400-115', carried(text)],
        )
      }),
      { numRuns: 1000 },
    )
  })
})
