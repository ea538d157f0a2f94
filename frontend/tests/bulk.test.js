import { describe, it, expect, afterEach, vi } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { fakeFetch, flush } from './fakeApi.js'
import { session } from '../src/api.js'
import BulkActions from '../src/components/BulkActions.vue'

const settle = async () => {
  for (let i = 0; i < 6; i++) await flush()
}
const selected = [
  { assetid: 1, asset_tag: 'PR-1', version: 3, site_id: 1 },
  { assetid: 2, asset_tag: 'PR-2', version: 7, site_id: 1 },
]
afterEach(() => {
  vi.unstubAllGlobals()
  session.user = null
})

describe('BulkActions: one confirmation, one request per asset, one result per row', () => {
  it('edits the status of every selected asset with its own version', async () => {
    session.user = { username: 'ed', role: 'editor' }
    const fetch = fakeFetch({
      'GET /api/v1/locations': { data: [], meta: { pages: 1 } },
      'PATCH /api/v1/assets/1': { data: { assetid: 1, version: 4 } },
      'PATCH /api/v1/assets/2': { status: 409, body: { error: { code: 'version_conflict', message: 'PR-2 changed meanwhile.' } } },
    })
    const w = mount(BulkActions, { props: { selected, sites: [{ id: 1, code: 'P1', name: 'Main' }] }, global: { stubs: { RouterLink: RouterLinkStub } } })
    await w.findAll('button').find((b) => b.text() === 'Edit selected…').trigger('click')
    await w.get('#bulk-status').setValue('retired')
    await w.get('form').trigger('submit')
    const confirm = w.get('[data-test=bulk-confirm]')
    expect(confirm.text()).toContain('Set status “retired” on 2 assets?')
    expect(fetch.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0) // nothing before the confirmation
    await confirm.findAll('button').find((b) => b.text() === 'Apply to 2 assets').trigger('click')
    await settle()
    const patches = fetch.calls.filter((c) => c.method === 'PATCH')
    expect(patches.map((c) => [c.path, JSON.parse(c.body)])).toEqual([
      ['/api/v1/assets/1', { status: 'retired', version: 3 }],
      ['/api/v1/assets/2', { status: 'retired', version: 7 }],
    ])
    const rows = w.findAll('[data-test=bulk-results] tbody tr')
    expect(rows.map((r) => r.attributes('data-result'))).toEqual(['ok', 'failed'])
    expect(rows[1].text()).toContain('PR-2 changed meanwhile.')
    expect(w.text()).toContain('1 of 2 done')
    expect(w.emitted('done')).toHaveLength(1)
  })

  it('offers a viewer labels but no edit or delete', async () => {
    session.user = { username: 'vi', role: 'viewer' }
    fakeFetch({ 'GET /api/v1/locations': { data: [], meta: { pages: 1 } } })
    const w = mount(BulkActions, { props: { selected }, global: { stubs: { RouterLink: RouterLinkStub } } })
    expect(w.text()).not.toContain('Edit selected')
    expect(w.text()).not.toContain('Delete selected')
    expect(w.get('a[data-format=pdf]').attributes('href')).toBe('/api/v1/labels?assetid=1%2C2&format=pdf&paper=a4')
  })
})
