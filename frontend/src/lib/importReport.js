// The import endpoint's answer, normalised for the page: errors sorted by line, `line` a number when
// the server wrote "line 12", `field` null when the error is about the whole row.
export function normaliseReport(data) {
  const d = data || {}
  const errors = (d.errors || []).map((e) => {
    const raw = e.line ?? e.where ?? null
    const m = typeof raw === 'string' ? raw.match(/\d+/) : null
    return { line: typeof raw === 'number' ? raw : m ? Number(m[0]) : null, field: e.field || null, message: e.message || String(e) }
  })
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  return {
    rows: d.rows ?? null,
    created: d.created ?? 0,
    updated: d.updated ?? 0,
    unchanged: d.unchanged ?? 0,
    // rows refused (a row with two bad fields is two errors, one row)
    refused: d.refused ?? new Set(errors.map((e) => e.line)).size,
    written: !!d.written,
    dryRun: d.dry_run ?? !d.written,
    errors,
  }
}
