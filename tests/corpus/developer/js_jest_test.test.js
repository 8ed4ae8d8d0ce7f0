// JavaScript: Jest tests for a token service with mocked env
const { issueToken, verifyToken } = require('../src/tokens');

describe('tokens', () => {
  const OLD_ENV = process.env;

  beforeEach(() => {
    jest.resetModules();
    process.env = { ...OLD_ENV, TOKEN_SECRET: process.env.TEST_TOKEN_SECRET || 'test-only' };
  });

  afterAll(() => {
    process.env = OLD_ENV;
  });

  test('round trip', () => {
    const token = issueToken({ sub: 'user_42', scope: 'read:projects' }, { expiresIn: '5m' });
    expect(typeof token).toBe('string');
    expect(token.split('.')).toHaveLength(3);
    expect(verifyToken(token).sub).toBe('user_42');
  });

  test('rejects a tampered token', () => {
    const token = issueToken({ sub: 'user_42' });
    const [h, p, s] = token.split('.');
    expect(() => verifyToken(`${h}.${p}x.${s}`)).toThrow(/invalid signature/);
  });

  test.each([
    ['', 'token required'],
    ['abc', 'jwt malformed'],
  ])('verifyToken(%p) throws %p', (input, message) => {
    expect(() => verifyToken(input)).toThrow(message);
  });
});
