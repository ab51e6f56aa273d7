import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { DomainError } from '../core/errors.js'
import type { FileDoc, TenantDoc } from './document.js'
import { fileDoc, tenantDoc } from './document.js'
import type { ConfigIssue } from './validate.js'
import { crossCheck, formatPath } from './validate.js'

function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.map((i) => ({
    path: formatPath([...prefix, ...i.path]) || '(root)',
    message: i.message,
  }))
}

export function configError(issues: readonly ConfigIssue[]): DomainError {
  const lines = issues.map((i) => `${i.path}: ${i.message}`)
  return new DomainError(
    'CONFIG_INVALID',
    `invalid configuration (${issues.length} problem(s)):\n  ${lines.join('\n  ')}`,
    lines,
  )
}

/** A whole configuration file: every problem reported at once, each with its path. */
export function parseConfigFile(text: string, source = 'config'): FileDoc {
  let raw: unknown
  try {
    raw = parseYaml(text, { prettyErrors: true })
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : '(root)'
    throw configError([{ path: `${source} ${where}`, message: e instanceof Error ? e.message : String(e) }])
  }
  const parsed = fileDoc.safeParse(raw)
  if (!parsed.success) throw configError(zodIssues(parsed.error))
  const issues = parsed.data.tenants.flatMap((t, i) => crossCheck(t, `tenants[${i}]`))
  const ids = new Set<string>()
  parsed.data.tenants.forEach((t, i) => {
    if (ids.has(t.id)) issues.push({ path: `tenants[${i}].id`, message: `duplicate tenant "${t.id}"` })
    ids.add(t.id)
  })
  if (issues.length > 0) throw configError(issues)
  return parsed.data
}

/** One tenant's document from the admin API, with the same checks as the file. */
export function parseTenantDoc(raw: unknown): TenantDoc {
  const parsed = tenantDoc.safeParse(raw)
  if (!parsed.success) throw configError(zodIssues(parsed.error))
  const issues = crossCheck(parsed.data, 'tenant')
  if (issues.length > 0) throw configError(issues)
  return parsed.data
}
