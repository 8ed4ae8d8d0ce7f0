// TypeScript: an axios client with a token refresh interceptor
import axios, { AxiosError, InternalAxiosRequestConfig } from 'axios';
import { tokenStore } from './tokenStore';

export const api = axios.create({ baseURL: import.meta.env.VITE_API_BASE, timeout: 15_000 });

api.interceptors.request.use((config: InternalAxiosRequestConfig) => {
  const accessToken = tokenStore.getAccessToken();
  if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
  return config;
});

let refreshing: Promise<string> | null = null;

api.interceptors.response.use(undefined, async (error: AxiosError) => {
  const original = error.config as InternalAxiosRequestConfig & { _retry?: boolean };
  if (error.response?.status !== 401 || original._retry) throw error;
  original._retry = true;
  refreshing ??= api
    .post<{ access_token: string }>('/auth/refresh', { refresh_token: tokenStore.getRefreshToken() })
    .then((r) => {
      tokenStore.setAccessToken(r.data.access_token);
      return r.data.access_token;
    })
    .finally(() => {
      refreshing = null;
    });
  const token = await refreshing;
  original.headers.Authorization = `Bearer ${token}`;
  return api(original);
});
