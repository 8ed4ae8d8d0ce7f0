# Python: dictConfig logging setup with a filter that masks secrets
import logging
import logging.config
import re

SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization:\s*bearer\s+)\S+"),
    re.compile(r"(?i)(password=)[^&\s]+"),
    re.compile(r"(?i)(api[_-]?key=)[^&\s]+"),
]


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        for pat in SECRET_PATTERNS:
            msg = pat.sub(r"\1***", msg)
        record.msg, record.args = msg, ()
        return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": RedactFilter}},
    "formatters": {"json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter",
                            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}},
    "loggers": {"": {"handlers": ["stdout"], "level": "INFO"}, "urllib3": {"level": "WARNING"}},
}

logging.config.dictConfig(LOGGING)
