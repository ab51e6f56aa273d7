import { XMLParser, XMLValidator } from 'fast-xml-parser'

// The namespaces of ECE's samples, with their typos fixed (bindIngs, iETF, smanzas, httbind).
const NAMESPACES =
  'xmlns:ns2="http://bindings.egain.com/chat" xmlns:ns4="urn:ietf:params:xml:ns:xmpp-stanzas" ' +
  'xmlns:ns3="jabber:client" xmlns:ns5="http://jabber.org/protocol/httpbind"'

// The samples end the declaration with `standalone="yes"/>`; a well-formed one ends with `?>`.
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

// What XML 1.0 cannot carry at all (§2.2 Char), even as a reference: C0 controls other than tab,
// LF and CR, U+FFFE/U+FFFF, and halves of surrogate pairs. A customer can type them (U+0001
// pasted from elsewhere); they become U+FFFD, so the document stays well-formed.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const ESCAPES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
  // In an attribute a parser turns a literal tab or line break into a space: kept as references.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
}

/** Text as XML 1.0 character data (or, with `attribute`, an attribute value). */
export function escapeXml(text: string, attribute = false): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(attribute ? /[<>&"'\t\n\r]/g : /[<>&"'\r]/g, (c) => ESCAPES[c] ?? c)
}

/** A whole ECE document: root element with the ECE namespaces, attributes, and child markup. */
export function eceDocument(
  root: string,
  attributes: Readonly<Record<string, string>>,
  children = '',
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('')
  return children === ''
    ? `${DECLARATION}<${root} ${NAMESPACES}${attrs}/>`
    : `${DECLARATION}<${root} ${NAMESPACES}${attrs}>${children}</${root}>`
}

export function element(
  name: string,
  text: string,
  attributes: Readonly<Record<string, string>> = {},
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('')
  return `<${name}${attrs}>${escapeXml(text)}</${name}>`
}

export class XmlInputError extends Error {
  override readonly name = 'XmlInputError'
}

const MAX_DEPTH = 16

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Entities are decoded by `decodeEntities` below: the library's own entity handling has had
  // expansion and regex-injection CVEs (2026-26278, 2026-33036), so it stays off.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'survey',
})

/**
 * Parses a request body: refuses any DOCTYPE before doing any parse work (no DTD, no external
 * entity, no billion laughs), then malformed or too deeply nested XML.
 */
export function parseXmlBody(body: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(body))
    throw new XmlInputError('XML with a DOCTYPE or ENTITY declaration is not accepted')
  let depth = 0
  let max = 0
  for (const m of body.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1]) depth--
    else if (!m[2]) max = Math.max(max, ++depth)
    if (max > MAX_DEPTH) throw new XmlInputError(`XML nested deeper than ${MAX_DEPTH} levels is not accepted`)
  }
  const valid = XMLValidator.validate(body)
  if (valid !== true) throw new XmlInputError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`)
  return parser.parse(body) as Record<string, unknown>
}

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** The five predefined entities and numeric references, nothing else; one linear pass. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : whole
    }
    return NAMED[ref] ?? whole
  })
}
