# Python: a Flask service with settings read from the environment
import logging
import os
from datetime import timedelta

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["FLASK_SECRET_KEY"],
    SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///dev.db"),
    SQLALCHEMY_TRACK_MODIFICATIONS=False,
    PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_SAMESITE="Lax",
)
db = SQLAlchemy(app)

API_TOKEN = os.getenv("INTERNAL_API_TOKEN")
STRIPE_KEY = os.environ.get("STRIPE_SECRET_KEY", "")


class Order(db.Model):
    __tablename__ = "orders"
    id = db.Column(db.String(36), primary_key=True)
    status = db.Column(db.String(16), nullable=False, default="pending")
    total_cents = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, server_default=db.func.now())


def require_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token != API_TOKEN:
        return jsonify(error="unauthorized"), 401
    return None


@app.get("/healthz")
def healthz():
    return {"ok": True, "version": os.environ.get("GIT_SHA", "dev")[:12]}


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    denied = require_token()
    if denied:
        return denied
    order = db.session.get(Order, order_id)
    if order is None:
        return jsonify(error="not found", id=order_id), 404
    return jsonify(id=order.id, status=order.status, total=order.total_cents / 100)


@app.errorhandler(HTTPException)
def handle(e: HTTPException):
    log.warning("http error %s on %s", e.code, request.path)
    return jsonify(error=e.name, code=e.code), e.code


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "5000")), debug=False)
