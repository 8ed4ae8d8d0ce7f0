# Python: typed configuration loaded from TOML with secrets resolved at runtime
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Database:
    host: str
    port: int = 5432
    name: str = "app"
    user: str = "app"
    password_env: str = "DB_PASSWORD"

    @property
    def password(self) -> str:
        return os.environ[self.password_env]


@dataclass(frozen=True)
class Config:
    env: str
    database: Database
    feature_flags: dict[str, bool] = field(default_factory=dict)


def load(path: str) -> Config:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    return Config(env=raw["env"], database=Database(**raw["database"]), feature_flags=raw.get("flags", {}))
