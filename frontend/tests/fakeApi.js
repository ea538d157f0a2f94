// A fake `fetch` for component tests: routes "METHOD /path" (query ignored unless given) to JSON answers.
import { vi } from 'vitest'

export function fakeFetch(routes) {
  const calls = []
  const fn = vi.fn(async (url, init = {}) => {
    const method = init.method || 'GET'
    const u = new URL(url, 'http://localhost')
    calls.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), body: init.body })
    const key = [`${method} ${u.pathname}${u.search}`, `${method} ${u.pathname}`].find((k) => k in routes)
    let answer = key ? routes[key] : { status: 404, body: { error: { code: 'not_found', message: `no fake for ${method} ${u.pathname}` } } }
    if (typeof answer === 'function') answer = answer({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), body: init.body })
    const status = answer.status || 200
    const body = 'body' in answer ? answer.body : answer
    return { ok: status < 400, status, text: async () => (body === null ? '' : JSON.stringify(body)) }
  })
  fn.calls = calls
  vi.stubGlobal('fetch', fn)
  return fn
}

export const flush = () => new Promise((resolve) => setTimeout(resolve, 0))
