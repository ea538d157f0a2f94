// The asset list's state lives in the URL (router query), so Back/Forward and bookmarks restore it.
export const FILTER_KEYS = ['q', 'asset_type', 'status', 'site_id']
export const PER_PAGE_CHOICES = [25, 50, 100]
export const DEFAULT_SORT = 'asset_tag'

export function parseListQuery(query) {
  const one = (k) => (Array.isArray(query[k]) ? query[k][0] : query[k]) ?? ''
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, String(one(k))]))
  const page = Math.max(1, Number.parseInt(one('page'), 10) || 1)
  const perPage = PER_PAGE_CHOICES.includes(Number(one('per_page'))) ? Number(one('per_page')) : PER_PAGE_CHOICES[0]
  const sort = String(one('sort') || DEFAULT_SORT)
  return { filters, page, perPage, sort }
}

// "-name" ⇄ [{ id: 'name', desc: true }] (TanStack Table's sorting state); one key at a time.
export function sortingFromParam(sort) {
  if (!sort) return []
  const key = sort.split(',')[0]
  return [{ id: key.replace(/^[-+]/, ''), desc: key.startsWith('-') }]
}
export function paramFromSorting(sorting) {
  if (!sorting || !sorting.length) return ''
  return `${sorting[0].desc ? '-' : ''}${sorting[0].id}`
}

// The next query after a change: empty values dropped; any change but a page turn starts at page 1.
export function nextQuery(current, patch) {
  const next = { ...current, ...patch }
  if (!('page' in patch)) delete next.page
  if (next.sort === DEFAULT_SORT) delete next.sort
  if (String(next.page) === '1') delete next.page
  for (const k of Object.keys(next)) if (next[k] === '' || next[k] == null) delete next[k]
  return next
}

// A page past the end (a stale bookmark, ?page=999) shows the last page instead of an empty one.
export function clampedPage(page, pages) {
  if (!pages || pages < 1) return 1
  return Math.min(Math.max(1, page), pages)
}

// Chosen columns survive a reload; unknown or missing entries fall back to the defaults.
export function loadColumns(storage, key, allIds, defaults) {
  try {
    const saved = JSON.parse(storage.getItem(key) || 'null')
    if (Array.isArray(saved)) {
      const known = saved.filter((id) => allIds.includes(id))
      if (known.length) return known
    }
  } catch {
    // a corrupt entry is ignored
  }
  return defaults.filter((id) => allIds.includes(id))
}
