# Python: FastAPI dependency that validates bearer tokens with PyJWT
from functools import lru_cache

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic_settings import BaseSettings

bearer = HTTPBearer(auto_error=False)


class Settings(BaseSettings):
    jwt_secret: str
    jwt_audience: str = "orders-api"
    jwt_issuer: str = "https://auth.example.com/"
    token_ttl_seconds: int = 3600

    class Config:
        env_file = ".env"


@lru_cache
def settings() -> Settings:
    return Settings()


def current_user(creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                 cfg: Settings = Depends(settings)) -> dict:
    if creds is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token")
    try:
        claims = jwt.decode(
            creds.credentials,
            cfg.jwt_secret,
            algorithms=["HS256"],
            audience=cfg.jwt_audience,
            issuer=cfg.jwt_issuer,
        )
    except jwt.ExpiredSignatureError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "token expired")
    except jwt.InvalidTokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}")
    return {"sub": claims["sub"], "scopes": claims.get("scope", "").split()}


app = FastAPI(title="orders", version="2.14.0")


@app.get("/me")
def me(user: dict = Depends(current_user)):
    return user
