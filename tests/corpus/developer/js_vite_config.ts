// TypeScript: vite.config.ts with a dev proxy and env prefixes
import { defineConfig, loadEnv } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '');
  return {
    plugins: [react()],
    envPrefix: ['VITE_', 'PUBLIC_'],
    server: {
      port: 5173,
      strictPort: true,
      proxy: {
        '/api': { target: env.API_PROXY_TARGET || 'http://localhost:8000', changeOrigin: true },
        '/ws': { target: 'ws://localhost:8000', ws: true },
      },
    },
    build: { sourcemap: true, target: 'es2022', chunkSizeWarningLimit: 900 },
    define: { __APP_VERSION__: JSON.stringify(process.env.npm_package_version) },
  };
});
