# Dockerfile: a multi-stage Node build using BuildKit secret mounts for the npm token
# syntax=docker/dockerfile:1.7
FROM node:20.12-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_token \
    NPM_TOKEN="$(cat /run/secrets/npm_token)" \
    npm config set //npm.pkg.github.com/:_authToken "$NPM_TOKEN" && \
    npm ci --omit=dev && \
    npm config delete //npm.pkg.github.com/:_authToken

FROM node:20.12-bookworm-slim AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /app/dist ./dist
COPY --from=deps /app/node_modules ./node_modules
ENV NODE_ENV=production PORT=3000
EXPOSE 3000
USER nonroot
CMD ["dist/server.js"]
