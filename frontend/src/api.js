// The one place the UI talks to the JSON API (/api/v1). Session cookie + X-CSRF-Token on writes.
import { reactive } from 'vue'

export const BASE = '/api/v1'

export const session = reactive({ user: null, csrf: null, checked: false })

// Roles that may write (the server refuses the rest; the UI does not offer what would be refused).
const WRITERS = new Set(['editor', 'admin'])
export const canWrite = () => !!session.user && WRITERS.has(session.user.role)
export const isAdmin = () => !!session.user && session.user.role === 'admin'

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {}
    super(err.message || `HTTP ${status}`)
    this.status = status
    this.code = err.code || 'http_error'
    this.details = err.details || {}
  }
  get fields() {
    return (this.details && this.details.fields) || {}
  }
  get isConflict() {
    return this.status === 409 || this.status === 412
  }
}

let onUnauthorized = () => {}
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn
}

// The session is gone (expired, logged out in another tab): forget it and go to the login page.
export function sessionEnded() {
  session.user = null
  session.csrf = null
  onUnauthorized()
}

export function qs(params = {}) {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, v)
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

export async function request(method, path, { body, params, headers = {}, quiet401 = false } = {}) {
  const h = { Accept: 'application/json', ...headers }
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData
  if (body !== undefined && !isForm) h['Content-Type'] = 'application/json'
  if (method !== 'GET' && session.csrf) h['X-CSRF-Token'] = session.csrf
  const url = (path.startsWith('/api/') ? path : BASE + path) + qs(params)
  const res = await fetch(url, {
    method,
    headers: h,
    credentials: 'same-origin',
    body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
  })
  let data = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    const e = new ApiError(res.status, data)
    if (res.status === 401 && !quiet401) sessionEnded()
    throw e
  }
  return data
}

export const api = {
  get: (path, params, opts = {}) => request('GET', path, { ...opts, params }),
  post: (path, body = {}, opts = {}) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
  del: (path, opts = {}) => request('DELETE', path, opts),
  // meta.total of a filtered list, fetched with per_page=1
  async count(path, params = {}) {
    const r = await request('GET', path, { params: { ...params, per_page: 1 } })
    return r.meta ? r.meta.total : r.data.length
  },
  // every page of a list, up to `cap` rows
  async all(path, params = {}, cap = 5000) {
    const rows = []
    let page = 1
    for (;;) {
      const r = await request('GET', path, { params: { ...params, per_page: 500, page } })
      rows.push(...r.data)
      if (rows.length >= cap || !r.meta || page >= r.meta.pages) break
      page += 1
    }
    return rows.slice(0, cap)
  },
}

// GET /auth/session says whether this browser is logged in without ever answering 401 (a browser logs
// every 4xx in its console): a first visit, an expired session and one ended elsewhere (logout, password
// change, deactivation) all get {authenticated: false}, so the login page opens with a clean console.
// /auth/me and every other resource still answer 401 without a login.
export async function checkSession() {
  try {
    const r = await request('GET', '/auth/session', { quiet401: true })
    const { authenticated, ...user } = r.data || {}
    session.user = authenticated ? user : null
    session.csrf = authenticated ? user.csrf_token || null : null
  } catch {
    session.user = null
    session.csrf = null
  }
  session.checked = true
  return session.user
}

export async function login(username, password) {
  const r = await request('POST', '/auth/login', { body: { username, password }, quiet401: true })
  session.csrf = r.data.csrf_token
  await checkSession()
  return session.user
}

export async function logout() {
  try {
    await request('POST', '/auth/logout', { body: {}, quiet401: true })
  } finally {
    session.user = null
    session.csrf = null
  }
}

// Small cached lookups shared by pages.
const cache = {}
export function cached(key, loader) {
  if (!cache[key]) cache[key] = loader().catch((e) => {
    delete cache[key]
    throw e
  })
  return cache[key]
}
export const lookups = {
  sites: () => cached('sites', () => api.all('/sites')),
  assetTypes: () => cached('asset-types', () => api.all('/asset-types')),
  openapi: () => cached('openapi', () => request('GET', '/openapi.json')),
  health: () => request('GET', '/health'),
}

export function toCsv(rows, columns) {
  const cols = columns || [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const esc = (v) => {
    if (v === null || v === undefined) return ''
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v)
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\r\n') + '\r\n'
}

export function download(filename, text, type = 'text/csv') {
  const blob = new Blob([text], { type })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

// Timestamps come as ISO 8601 in UTC ("…Z"); they are shown to the minute in the browser's locale, in
// the site's time zone when one is given (else the browser's). Date-only values stay calendar dates.
const formatters = new Map()
function formatter(timeZone, dateOnly) {
  const key = `${timeZone || ''}|${dateOnly}`
  if (!formatters.has(key)) {
    const opts = dateOnly ? { dateStyle: 'medium', timeZone: 'UTC' } : { dateStyle: 'medium', timeStyle: 'short' }
    if (!dateOnly && timeZone) opts.timeZone = timeZone
    try {
      formatters.set(key, new Intl.DateTimeFormat(undefined, opts))
    } catch {
      formatters.set(key, new Intl.DateTimeFormat(undefined, { ...opts, timeZone: dateOnly ? 'UTC' : undefined }))
    }
  }
  return formatters.get(key)
}
export function fmtDate(v, timeZone = null) {
  if (!v) return ''
  const s = String(v)
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s)
  // A naive timestamp (no offset) is UTC, as the API stores it.
  const d = new Date(dateOnly ? `${s}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`)
  if (Number.isNaN(d.getTime())) return s
  return formatter(timeZone, dateOnly).format(d)
}
