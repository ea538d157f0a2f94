import { describe, it, expect } from 'vitest'
import { parseListQuery, sortingFromParam, paramFromSorting, nextQuery, clampedPage, loadColumns } from '../src/lib/listQuery.js'
import { columnsOf, listText } from '../src/lib/nested.js'
import { humanize, fieldLabel } from '../src/labels.js'
import { fmtDate } from '../src/api.js'
import { bulkPatch, runEach } from '../src/lib/bulk.js'
import { labelsUrl } from '../src/lib/labelLinks.js'
import { normaliseReport } from '../src/lib/importReport.js'
import { placeLabels } from '../src/lib/labelPlacement.js'
import { areaOptions, locationsWithin, floorBox } from '../src/lib/floorAreas.js'
import { toLocalInput, coerce, buildBody, toInputs } from '../src/schema.js'

describe('the asset list keeps its state in the URL', () => {
  it('reads filters, sort and page, with safe defaults for nonsense', () => {
    const s = parseListQuery({ q: 'cnc', status: 'active', page: 'x', per_page: '7', sort: '-name' })
    expect(s.filters).toEqual({ q: 'cnc', asset_type: '', status: 'active', site_id: '' })
    expect(s.page).toBe(1)
    expect(s.perPage).toBe(25)
    expect(s.sort).toBe('-name')
  })
  it('maps the sort parameter to the table sorting and back', () => {
    expect(sortingFromParam('-hostname')).toEqual([{ id: 'hostname', desc: true }])
    expect(paramFromSorting([{ id: 'name', desc: false }])).toBe('name')
    expect(paramFromSorting(sortingFromParam('-status'))).toBe('-status')
  })
  it('starts a changed filter at page 1 and drops empty values', () => {
    expect(nextQuery({ page: '3', status: 'active' }, { status: '' })).toEqual({})
    expect(nextQuery({ q: 'a' }, { page: 2 })).toEqual({ q: 'a', page: 2 })
  })
  it('clamps a page past the end to the last page', () => {
    expect(clampedPage(999, 11)).toBe(11)
    expect(clampedPage(999, 0)).toBe(1)
    expect(clampedPage(2, 3)).toBe(2)
  })
  it('remembers chosen columns and ignores unknown or corrupt entries', () => {
    const store = new Map()
    const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) }
    expect(loadColumns(storage, 'k', ['a', 'b', 'c'], ['a', 'b'])).toEqual(['a', 'b'])
    store.set('k', JSON.stringify(['c', 'gone']))
    expect(loadColumns(storage, 'k', ['a', 'b', 'c'], ['a'])).toEqual(['c'])
    store.set('k', '{not json')
    expect(loadColumns(storage, 'k', ['a', 'b'], ['b'])).toEqual(['b'])
  })
})

describe('nested collections become linked tables', () => {
  it('turns a switch port into a link to the connected asset', () => {
    const rows = [{ interface_id: 4, port: 'port1', vlan: null, connected_assetid: 52, connected_asset_tag: 'RT-P1-01', connected_name: 'Edge router' }]
    const cols = columnsOf(rows)
    expect(cols[0]).toMatchObject({ kind: 'asset', idKey: 'connected_assetid', tagKey: 'connected_asset_tag', nameKey: 'connected_name', label: 'Connected' })
    expect(cols.map((c) => c.key)).toEqual(['connected_assetid', 'port', 'vlan'])
  })
  it('links an IP to its subnet and hides the device it belongs to', () => {
    const rows = [{ id: 42, address: '10.5.0.3', assetid: 53, subnet_id: 5, cidr: '10.5.0.0/24', ip_version: 4, status: 'active', site_id: 1 }]
    const cols = columnsOf(rows, null, { selfId: 53 })
    expect(cols.map((c) => [c.key, c.kind])).toEqual([['subnet_id', 'subnet'], ['address', 'text'], ['status', 'badge'], ['site_id', 'site']])
  })
  it('labels columns from schema titles when the API gives them', () => {
    const cols = columnsOf([{ speed_mbps: 1000 }], { properties: { speed_mbps: { type: 'integer', title: 'Link speed' } } })
    expect(cols[0].label).toBe('Link speed')
  })
  it('shows a list of files as their names', () => {
    expect(listText([{ name: 'O1000.nc', sha256: 'ab' }, { name: 'O2000.nc' }])).toBe('O1000.nc, O2000.nc')
  })
})

describe('labels and times read as words, not field names', () => {
  it('humanizes field names with the plant acronyms', () => {
    expect(humanize('last_seen_at')).toBe('Last seen')
    expect(humanize('mac_address')).toBe('MAC address')
    expect(humanize('os_version')).toBe('OS version')
    expect(humanize('machine_number')).toBe('Machine number')
    expect(fieldLabel('x', { title: 'Given' })).toBe('Given')
  })
  it('formats timestamps without microseconds, in the site time zone', () => {
    const utc = fmtDate('2026-11-30T08:53:48.853034Z', 'UTC')
    expect(utc).not.toMatch(/853034|T08/)
    expect(utc).toMatch(/8:53|08:53/)
    const tokyo = fmtDate('2026-11-30T08:53:48.853034Z', 'Asia/Tokyo')
    expect(tokyo).toMatch(/5:53|17:53/)
    expect(fmtDate('2025-11-30')).toMatch(/2025/)
    expect(fmtDate('2025-11-30')).not.toMatch(/:/)
    expect(fmtDate(null)).toBe('')
  })
})

describe('bulk work reports a result per row', () => {
  it('sends only the chosen fields', () => {
    expect(bulkPatch({ status: 'retired', site_id: '', location_id: '' })).toEqual({ status: 'retired' })
    expect(bulkPatch({ status: '', site_id: '2', location_id: 'none' })).toEqual({ site_id: 2, location_id: null })
  })
  it('keeps going after a refused row', async () => {
    const results = await runEach([1, 2, 3], async (n) => {
      if (n === 2) throw new Error('version conflict')
    }, { concurrency: 2 })
    expect(results.map((r) => [r.item, r.ok, r.message])).toEqual([[1, true, ''], [2, false, 'version conflict'], [3, true, '']])
  })
})

describe('labels and import', () => {
  it('asks the server for one sheet of several assets', () => {
    expect(labelsUrl([5, 7, 5])).toBe('/api/v1/labels?assetid=5%2C7&format=pdf&paper=a4')
    expect(labelsUrl([5], { format: 'zpl' })).toBe('/api/v1/labels?assetid=5&format=zpl')
  })
  it('orders import errors by line and reads "line 12" as 12', () => {
    const r = normaliseReport({ rows: 3, created: 1, errors: [{ line: 'line 12', message: 'bad' }, { line: 3, field: 'asset_tag', message: 'dup' }] })
    expect(r.errors.map((e) => e.line)).toEqual([3, 12])
    expect(r.dryRun).toBe(true)
  })
})

describe('floor-map labels', () => {
  it('moves a label that would cover its neighbour', () => {
    const placed = placeLabels([
      { id: 1, x: 100, y: 50, text: 'M-1002' },
      { id: 2, x: 102, y: 53, text: 'M-1006' },
    ], { r: 3, fontSize: 4 })
    expect(placed[1].y).toBeLessThan(50)
    expect(placed[2].y === placed[1].y && placed[2].x === placed[1].x).toBe(false)
    expect(placed[1].collides || placed[2].collides).toBe(false)
  })
  it('moves a label off the drawing\'s edge to a side where it shows whole', () => {
    const bounds = { x: 0, y: 0, w: 200, h: 100 }
    const placed = placeLabels([{ id: 1, x: 2, y: 50, text: 'M-1001' }], { r: 3, fontSize: 4, bounds })
    expect(placed[1]).toMatchObject({ anchor: 'start', collides: false })
    expect(placed[1].x).toBeGreaterThan(2)
    const top = placeLabels([{ id: 2, x: 100, y: 1, text: 'M-1' }], { r: 2, fontSize: 3, bounds })
    expect(top[2].y).toBeGreaterThan(1)  // below the marker, not above the top edge
  })
  it('keeps a lone label above its marker', () => {
    expect(placeLabels([{ id: 7, x: 10, y: 10, text: 'M-1' }], { r: 2, fontSize: 3 })[7]).toMatchObject({ x: 10, anchor: 'middle' })
  })
})

describe('timestamps in forms', () => {
  const f = { name: 'starts_at', type: 'string', format: 'date-time', nullable: true }
  it('edits a UTC timestamp as local time and sends it back as UTC', () => {
    const local = toLocalInput('2030-01-31T14:00:00Z')
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
    expect(coerce(f, local)).toBe('2030-01-31T14:00:00.000Z')
  })
  it('does not send an untouched timestamp of an edited object', () => {
    const original = { starts_at: '2030-01-31T14:00:12.345678Z' }
    expect(buildBody([f], toInputs([f], original), original)).toEqual({})
  })
})

describe('the floor map picks a site, then an area of it', () => {
  const site = [
    { id: 1, name: 'Hall B', parent_id: null },
    { id: 2, name: 'Hall A', parent_id: null },
    { id: 3, name: 'Cell A2', parent_id: 2 },
    { id: 4, name: 'Cell A1', parent_id: 2 },
    { id: 5, name: 'Bench', parent_id: 4 },
    { id: 6, name: 'Cell B1', parent_id: 1 },
    { id: 7, name: 'Stray', parent_id: 99 }, // its parent is not among the site's locations
  ]
  it('offers the areas in tree order, each under its parent, siblings by name', () => {
    const options = areaOptions(site)
    expect(options.map((o) => [o.name, o.depth])).toEqual([
      ['Hall A', 0], ['Cell A1', 1], ['Bench', 2], ['Cell A2', 1], ['Hall B', 0], ['Cell B1', 1], ['Stray', 0]])
    expect(options[2].label).toBe('\u2003\u2003Bench')
  })
  it('lists locations caught in a cycle instead of losing or looping on them', () => {
    const options = areaOptions([{ id: 1, name: 'A', parent_id: 2 }, { id: 2, name: 'B', parent_id: 1 }])
    expect(options.map((o) => o.id).sort()).toEqual([1, 2])
  })
  it('counts a machine in a hall when it stands in one of the hall\'s cells', () => {
    expect([...locationsWithin(site, 2)].sort()).toEqual([2, 3, 4, 5])
    expect([...locationsWithin(site, '6')]).toEqual([6])
    expect(locationsWithin([{ id: 1, parent_id: 2 }, { id: 2, parent_id: 1 }], 1)).toEqual(new Set([1, 2]))
  })
  it('shows an area plan where it lies on the site floor, grown only for a machine outside it', () => {
    const hall = { origin_x: 100, origin_y: 20, floor_width: 50, floor_height: 25 }
    expect(floorBox(hall, [])).toEqual({ x: 100, y: 20, w: 50, h: 25 })
    expect(floorBox(hall, [{ x: 110, y: 30 }])).toEqual({ x: 100, y: 20, w: 50, h: 25 })
    const grown = floorBox(hall, [{ x: 160, y: 30 }])
    expect(grown.x).toBe(100)
    expect(grown.w).toBeCloseTo(61)
    expect(floorBox(hall, [{ x: 90, y: 30 }]).x).toBeCloseTo(89)
  })
  it('shows a whole-site plan from the floor origin, and fits the machines without a plan', () => {
    const whole = { origin_x: 0, origin_y: 0, floor_width: 200, floor_height: 100 }
    expect(floorBox(whole, [{ x: 5, y: 5 }])).toEqual({ x: 0, y: 0, w: 200, h: 100 })
    expect(floorBox(null, [])).toEqual({ x: 0, y: 0, w: 100, h: 60 })
    expect(floorBox(null, [{ x: 50, y: 50 }, { x: 100, y: 70 }])).toEqual({ x: 38, y: 38, w: 74, h: 44 })
  })
})
