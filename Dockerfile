FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home reviewer
WORKDIR /app
COPY pyproject.toml README.md ./
COPY reviewer ./reviewer
COPY subagents ./subagents
COPY guidance ./guidance
RUN pip install --no-cache-dir .
USER reviewer
ENV REVIEWER_DATABASE_URL=sqlite:////home/reviewer/data/reviewer.db
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["reviewer", "serve", "--host", "0.0.0.0", "--port", "8000"]
