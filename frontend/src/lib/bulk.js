// Bulk edit/delete: one API call per asset (each with its own version, so a row someone changed
// meanwhile is refused, not overwritten), a few at a time; every row reports its own result.
export async function runEach(items, action, { concurrency = 4 } = {}) {
  const results = new Array(items.length)
  let next = 0
  async function worker() {
    while (next < items.length) {
      const i = next++
      try {
        await action(items[i])
        results[i] = { item: items[i], ok: true, message: '' }
      } catch (e) {
        results[i] = { item: items[i], ok: false, message: e && e.message ? e.message : String(e) }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

// The PATCH body of a bulk edit: only the fields the user chose to set.
export function bulkPatch(choice) {
  const body = {}
  if (choice.status) body.status = choice.status
  if (choice.site_id) body.site_id = Number(choice.site_id)
  if (choice.location_id === 'none') body.location_id = null
  else if (choice.location_id) body.location_id = Number(choice.location_id)
  return body
}
