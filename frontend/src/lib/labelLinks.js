// Label sheets are made by the server (GET /api/v1/labels, H-LABELS contract): a plain link opens the
// PDF in a new tab (the session cookie authenticates a GET) or downloads the ZPL for a label printer.
export const MAX_LABELS = 240

export function labelsUrl(assetids, { format = 'pdf', paper = 'a4', skip = 0 } = {}) {
  const ids = [...new Set(assetids.map(Number).filter((n) => Number.isInteger(n) && n > 0))].slice(0, MAX_LABELS)
  const p = new URLSearchParams({ assetid: ids.join(','), format })
  if (format === 'pdf') {
    p.set('paper', paper)
    if (skip > 0) p.set('skip', String(skip))
  }
  return `/api/v1/labels?${p.toString()}`
}
