import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` proxies the API to a backend started with `make run` (port 5000 by default).
const backend = process.env.SHOPDB_BACKEND || 'http://127.0.0.1:5000'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', emptyOutDir: true },
  server: { proxy: { '/api': { target: backend, changeOrigin: false } } },
  // `npm test`: component and unit tests (Vitest) in a simulated DOM; the browser tests are tests/test_ui_*.py.
  test: { environment: 'happy-dom', include: ['tests/**/*.test.js'] },
})
