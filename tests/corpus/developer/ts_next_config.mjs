// TypeScript/Next.js: next.config.mjs with environment-driven settings
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  output: 'standalone',
  images: {
    remotePatterns: [
      { protocol: 'https', hostname: 'cdn.example.com', pathname: '/assets/**' },
      { protocol: 'https', hostname: '*.s3.eu-west-1.amazonaws.com' },
    ],
  },
  env: {
    NEXT_PUBLIC_APP_VERSION: process.env.npm_package_version,
    NEXT_PUBLIC_SENTRY_ENV: process.env.VERCEL_ENV ?? 'development',
  },
  serverRuntimeConfig: {
    stripeSecret: process.env.STRIPE_SECRET_KEY,
    openaiKey: process.env.OPENAI_API_KEY,
  },
  async headers() {
    return [
      {
        source: '/(.*)',
        headers: [
          { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        ],
      },
    ];
  },
  experimental: { serverActions: { bodySizeLimit: '2mb' } },
};

export default nextConfig;
