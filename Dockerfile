# riskcap: the risk service, the scheduler and the CLI in one image.
#   docker build -t riskcap .
#   docker compose up            (see docker-compose.yml and the README's "Deploy" section)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RISKCAP_SERVICE__HOST=0.0.0.0 \
    RISKCAP_LAKE__PATH=/data/lake \
    RISKCAP_PIPELINE__WORK_DIR=/data/work

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --upgrade pip && pip install '.[postgres]' \
    && useradd --create-home --uid 10001 riskcap \
    && mkdir -p /data && chown riskcap /data

USER riskcap
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

ENTRYPOINT ["riskcap"]
CMD ["serve"]
