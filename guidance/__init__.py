"""Default guidance shipped with the app: markdown files with YAML frontmatter."""

from pathlib import Path

DEFAULT_GUIDANCE_DIR = Path(__file__).parent
