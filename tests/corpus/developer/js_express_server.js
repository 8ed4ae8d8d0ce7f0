// JavaScript: an Express API with config from process.env and a JWT middleware
'use strict';

const express = require('express');
const helmet = require('helmet');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');

const config = {
  port: Number(process.env.PORT || 3000),
  jwtSecret: process.env.JWT_SECRET,
  databaseUrl: process.env.DATABASE_URL,
  stripeKey: process.env.STRIPE_KEY,
  corsOrigin: process.env.CORS_ORIGIN || 'https://app.example.com',
};

if (!config.jwtSecret) {
  throw new Error('JWT_SECRET must be set');
}

const pool = new Pool({ connectionString: config.databaseUrl, max: 10, idleTimeoutMillis: 30000 });
const app = express();
app.use(helmet());
app.use(express.json({ limit: '1mb' }));

function auth(req, res, next) {
  const [scheme, token] = (req.get('authorization') || '').split(' ');
  if (scheme !== 'Bearer' || !token) return res.status(401).json({ error: 'missing token' });
  try {
    req.user = jwt.verify(token, config.jwtSecret, { algorithms: ['HS256'], audience: 'web' });
    return next();
  } catch (err) {
    return res.status(401).json({ error: err.name });
  }
}

app.get('/api/projects', auth, async (req, res, next) => {
  try {
    const { rows } = await pool.query(
      'SELECT id, name, created_at FROM projects WHERE owner_id = $1 ORDER BY created_at DESC LIMIT 50',
      [req.user.sub],
    );
    res.json({ items: rows });
  } catch (err) {
    next(err);
  }
});

app.use((err, req, res, _next) => {
  console.error(`[${new Date().toISOString()}] ${req.method} ${req.path}:`, err.message);
  res.status(500).json({ error: 'internal' });
});

app.listen(config.port, () => console.log(`listening on :${config.port}`));
