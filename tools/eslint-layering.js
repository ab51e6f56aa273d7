// Enforces the layering table of ARCHITECTURE.md / HOUSE-STYLE.md on relative imports.
// A small local rule instead of a resolver-based plugin: our specifiers are relative `.js`
// paths that map to `.ts` files, which generic resolvers need extra plugins to follow.
import path from 'node:path'

const ALLOWED = {
  core: ['core'],
  app: ['core', 'app', 'config'],
  adapters: ['core', 'app', 'adapters'],
  channels: ['core', 'app', 'channels'],
  api: ['core', 'app', 'api', 'config'],
  reporting: ['core', 'app', 'reporting'],
  config: ['core', 'config'],
  web: ['web'], // the browser side talks to the server only through the public API
  cli: null, // the CLI composes like main.ts
}
// core/ must stay pure: no I/O and no clocks, so no Node built-ins and no packages.
const CORE_PACKAGES = new Set([])

function layerOf(file) {
  const rel = path.relative(path.resolve('src'), file)
  if (rel.startsWith('..')) return undefined
  const top = rel.split(path.sep)[0]
  return top in ALLOWED ? top : undefined
}

export const layering = {
  meta: { type: 'problem', schema: [], messages: { layer: '{{from}}/ may not import {{to}}' } },
  create(context) {
    const file = context.filename
    const from = layerOf(file)
    // Tests may reach test support and adapters; the rule guards production code.
    if (!from || /\.test\.ts$/.test(file)) return {}
    function check(node, spec) {
      if (typeof spec !== 'string') return
      if (!spec.startsWith('.')) {
        if (from === 'core' && !CORE_PACKAGES.has(spec))
          context.report({ node, messageId: 'layer', data: { from, to: spec } })
        return
      }
      const to = layerOf(path.resolve(path.dirname(file), spec))
      const allowed = ALLOWED[from]
      if (allowed && (!to || !allowed.includes(to)))
        context.report({ node, messageId: 'layer', data: { from, to: to ?? spec } })
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    }
  },
}
