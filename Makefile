# The two commands a newcomer needs (see README.md): `make run` and `make test`.
.PHONY: run test install install-dev lock

## Install into .venv, migrate, load the demo data and serve http://127.0.0.1:8000 (PORT=..., HOST=... to change).
run:
	scripts/quickstart

## The whole test suite and checks, against PostgreSQL and Redis (DATABASE_URL, REDIS_URL to point elsewhere).
test:
	scripts/test

## Only install the runtime (or the runtime and test) dependencies into .venv.
install:
	scripts/bootstrap

install-dev:
	scripts/bootstrap --dev

## Re-pin requirements.txt and requirements-dev.txt after editing the .in files (UPGRADE=1 to move every pin).
lock:
	scripts/lock
