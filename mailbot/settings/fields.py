"""The one validation mechanism behind config.toml and rules/*.toml: pydantic v2 models
whose field types say in words what is wrong, and the translation of pydantic's errors
into mailbot's one-line "file + key" problems, every problem of a file at once, with
"did you mean" for a key that is not known (difflib against the model's own fields).

Why pydantic and not the hand-written readers it replaces: one declaration per setting
(type, default, limits) instead of a reader call, unknown keys refused by the model
(extra="forbid"), and all errors of a document collected in one pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from mailbot.errors import ConfigError


class Section(BaseModel):
    """A TOML table: unknown keys are errors (a typo must not fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConfigProblems(ConfigError):
    """Every problem found in one file, each a line naming file and key. `file` and `key`
    are the first problem's (what a caller matching one error sees); `problems` all."""

    def __init__(self, problems: Sequence[ConfigError]):
        first = problems[0]
        self.problems = list(problems)
        super().__init__(first.args[0], file=None, key=None)
        self.file, self.key = first.file, first.key
        self.args = ("\n".join(str(p) for p in problems),)


def raise_all(problems: Sequence[ConfigError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigProblems(problems)


def _fail(message: str) -> Any:
    raise ValueError(message)


def _text(value: Any, *, required: bool = False) -> str:
    if not isinstance(value, str):
        _fail(f"must be a string, got {type(value).__name__}")
    if required and not value:
        _fail("missing required setting")
    return value


def _int(lo: int, hi: int, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(f"must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        _fail(f"must be between {lo} and {hi}, got {value}")
    return value


def _choice(options: tuple[str, ...], value: Any) -> str:
    if _text(value) not in options:
        _fail(f"must be one of {', '.join(options)}, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        _fail(f"must be true or false, got {value!r}")
    return value


_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h)?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)


def _duration(value: Any) -> int:
    """'3m', '90s', '1h' or seconds -> seconds, between 10 s and 24 h."""
    m = _DURATION.match(str(value)) if isinstance(value, (str, int)) else None
    if not m or isinstance(value, bool):
        _fail(f"must be a duration like '3m', '90s' or '1h', got {value!r}")
    seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]
    if not 10 <= seconds <= 86400:
        _fail(f"must be between 10s and 24h, got {value!r}")
    return seconds


def _size(value: Any) -> int:
    m = _SIZE.match(str(value)) if isinstance(value, (str, int)) else None
    if not m or isinstance(value, bool):
        _fail(f"must be a size like '25MB', got {value!r}")
    n = (
        int(m.group(1))
        * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[(m.group(2) or "B").upper()]
    )
    if n < 64 * 1024:
        _fail(f"must be at least 64KB, got {value!r}")
    return n


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(f"must be a list of strings, got {value!r}")
    return tuple(v.strip().lower() for v in value)


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return _fail(f"must be a date YYYY-MM-DD, got {value!r}")


def _path(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        _fail(f"must be a path string, got {value!r}")
    return value


def _clock(value: Any) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", _text(value)):
        _fail(f"must be a time like 07:30, got {value!r}")
    return value


def _base_url(value: Any) -> str:
    """The console's address as staff open it ("https://pomoc.kjmssoft.pl"), without a
    trailing slash; "" (the default) leaves links out of alerts and the digest."""
    url = _text(value).strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        _fail(f"must be an http:// or https:// address, got {value!r}")
    return url


def check(fn: Callable[[Any], Any]) -> BeforeValidator:
    return BeforeValidator(fn)


Text = Annotated[str, check(_text)]
Required = Annotated[str, check(partial(_text, required=True))]
Bool = Annotated[bool, check(_bool)]
Duration = Annotated[int, check(_duration)]
Size = Annotated[int, check(_size)]
Strings = Annotated[tuple[str, ...], check(_strings)]
Day = Annotated[date | None, check(_day)]
PathText = Annotated[str | None, check(_path)]
Clock = Annotated[str, check(_clock)]
BaseUrl = Annotated[str, check(_base_url)]


def Int(lo: int, hi: int) -> Any:  # noqa: N802 - reads as a type in a model
    return Annotated[int, check(partial(_int, lo, hi))]


def Choice(*options: str) -> Any:  # noqa: N802 - reads as a type in a model
    return Annotated[str, check(partial(_choice, options))]


def resolve(base: Path, value: str | None) -> Path | None:
    """A path as written in a file: relative ones are relative to that file."""
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base.parent / p).resolve()


def suggestion(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def problems_of(
    exc: ValidationError, model: type[BaseModel], *, unknown: str = "unknown setting"
) -> list[tuple[str, str]]:
    """pydantic's errors as mailbot's (key 'a.b', message), one per problem, in words;
    an unknown key with the closest known one."""
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            msg = unknown + suggestion(str(loc[-1]), _fields_at(model, loc[:-1]))
        elif e["type"] == "missing":
            msg = "missing required setting"
        elif e["type"] in ("model_type", "model_attributes_type", "dict_type"):
            msg = "must be a table"
        else:
            msg = str(e["msg"]).removeprefix("Value error, ")
        out.append((".".join(str(p) for p in loc), msg))
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the (nested) model at `loc`, for "did you mean"."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        inner = getattr(field.annotation, "__args__", (field.annotation,)) if field else ()
        nested = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        model = nested[0]
    return [f.alias or name for name, f in model.model_fields.items()]
