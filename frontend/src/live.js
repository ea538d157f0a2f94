// Live updates over server-sent events (GET /api/v1/events/stream, H-LIVE contract, ADR 0021): one
// EventSource per tab, fanned out to the components that listen. Event names: machine.status,
// custody.changed, notice.changed, asset.changed; `resync` (and a reconnection after a failure) tells every
// listener to refetch what it shows, since events may have been missed.
import { checkSession, sessionEnded } from './api.js'

export const LIVE_PATH = '/api/v1/events/stream'
export const EVENT_TYPES = ['machine.status', 'custody.changed', 'notice.changed', 'asset.changed']
const RETRY_MS = 10000

const listeners = new Set()
let source = null
let retryTimer = null
let wanted = false
let hadFailure = false

export function dispatch(type, data) {
  for (const l of [...listeners]) {
    if (type === 'resync' || l.types.includes(type)) l.call(type, data)
  }
}

function parse(e) {
  try {
    return JSON.parse(e.data)
  } catch {
    return { type: e.type }
  }
}

function open() {
  if (source || !wanted || typeof EventSource === 'undefined') return
  source = new EventSource(LIVE_PATH, { withCredentials: true })
  source.addEventListener('ready', () => {
    // After a connection the browser could not resume, what happened meanwhile is unknown: refetch.
    if (hadFailure) dispatch('resync', { type: 'resync', reason: 'reconnected' })
    hadFailure = false
  })
  source.addEventListener('resync', (e) => dispatch('resync', parse(e)))
  for (const t of EVENT_TYPES) source.addEventListener(t, (e) => dispatch(t, parse(e)))
  source.onerror = async () => {
    // EventSource reconnects by itself after a dropped stream; after a refusal (401, 503) it stays closed:
    // an ended session goes to the login page, a busy server is asked again a little later.
    if (!source || source.readyState !== EventSource.CLOSED) return
    source = null
    hadFailure = true
    if (!(await checkSession())) {
      sessionEnded()
      return
    }
    clearTimeout(retryTimer)
    retryTimer = setTimeout(open, RETRY_MS)
  }
}

export function startLive() {
  wanted = true
  open()
}

export function stopLive() {
  wanted = false
  clearTimeout(retryTimer)
  if (source) source.close()
  source = null
}

// Call `fn(type, data)` on the given event types (and on resync); `debounce` ms groups bursts (a bulk
// edit sends one event per asset). Returns the function that stops listening.
export function onLive(types, fn, { debounce = 0 } = {}) {
  let timer = null
  const l = {
    types: [].concat(types),
    call: debounce
      ? (type, data) => {
        clearTimeout(timer)
        timer = setTimeout(() => fn(type, data), debounce)
      }
      : fn,
  }
  listeners.add(l)
  return () => {
    clearTimeout(timer)
    listeners.delete(l)
  }
}
