# finops-bot: HTTP server for Slack and Microsoft Teams.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MPLBACKEND=Agg DATABASE_URL=sqlite:////data/finops-bot.db
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intents ./intents
COPY knowledge ./knowledge
COPY adapters ./adapters
COPY bench ./bench
COPY slack ./slack
COPY teams ./teams
# Train the understanding model once at build time: its cache ships in the image, so start-up stays fast.
RUN pip install . && DATABASE_URL=sqlite:////tmp/build.db finops-bot ask --no-demo help > /dev/null \
    && rm -f /tmp/build.db && useradd --create-home --uid 10001 finops && mkdir -p /data && chown finops /data
USER finops
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=2).status == 200 else 1)"
CMD ["finops-bot", "serve", "--host", "0.0.0.0", "--port", "3978"]
