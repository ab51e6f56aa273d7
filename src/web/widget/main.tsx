import { render } from 'preact'
import { client } from '../shared/http.js'
import css from './widget.css?inline'
import { stringsFor } from './strings.js'
import { Widget } from './Widget.js'

// <script src="https://switchboard.example/widget.js" data-entry-point="1000" [data-lang="zh-CN"]>
// The widget talks to the server the script came from and lives in a shadow root, so the host
// page's styles and ours never meet.
function boot(script: HTMLScriptElement): void {
  const entryPointId = script.dataset.entryPoint
  if (!entryPointId) {
    console.error('Switchboard widget: add data-entry-point="…" to the script tag')
    return
  }
  const base = new URL(script.src, location.href).origin
  const { lang, t } = stringsFor(script.dataset.lang)
  const host = document.createElement('div')
  host.id = 'switchboard-widget'
  document.body.appendChild(host)
  const root = host.attachShadow({ mode: 'open' })
  const style = document.createElement('style')
  style.textContent = css
  root.appendChild(style)
  const mount = document.createElement('div')
  mount.className = 'sb-root'
  mount.lang = lang
  root.appendChild(mount)
  render(<Widget api={client(base)} base={base} entryPointId={entryPointId} t={t} />, mount)
}

const current = document.currentScript
const script =
  current instanceof HTMLScriptElement
    ? current
    : document.querySelector<HTMLScriptElement>('script[data-entry-point][src*="widget.js"]')
if (script) {
  if (document.body) boot(script)
  else document.addEventListener('DOMContentLoaded', () => boot(script))
}
