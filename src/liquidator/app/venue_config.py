"""How a venue ran, as JSON text: what a journal records so it replays without being told.

A journal replays only under the configuration it was written with (the market maker, the mark
and funding sources, fees, the insurance funds...). The journal keeps it beside its records
(``Journal.venue_config``): readers (``journal verify``, ``journal``, ``explain``) take it from
there, and a writer opening the journal with another configuration is refused in one line.

The text is every field of :class:`~liquidator.core.exchange.venue.VenueConfig`, nested
configurations as objects, enums as their values, tuples as lists; decoding is strict (every
field present, of its type), so an edited or truncated text is refused rather than guessed at;
only a field added since older journals were written may be absent, read as what they ran with
(``_ADDED``).
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any, Protocol, TypeVar

from liquidator.app.journal import JournalError
from liquidator.app.json_text import compact
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.risk.insurance_groups import LEGACY_SEED_PRICES

T = TypeVar("T")
# Fields whose default is None: the type they hold when set.
_OPTIONAL: dict[str, type[Any]] = {"market_maker": MarketMakerConfig}
# Fields older journals do not record, with the value those journals ran with.
_ADDED: dict[str, object] = {
    "config.insurance.seed_prices": LEGACY_SEED_PRICES,
    "config.publish_premium_samples": False,  # its records carry no PremiumSampled
}


def encode_venue_config(config: VenueConfig) -> str:
    """Return ``config`` as compact JSON text."""
    return compact(_encode(config))


def decode_venue_config(text: str) -> VenueConfig:
    """Return the configuration ``text`` holds; raise ``ValueError`` if it is not one."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"not JSON ({error})") from None
    return _decode(VenueConfig, data, "config")


def differences(given: VenueConfig, stored: VenueConfig) -> list[str]:
    """Return the dotted names of the fields where ``given`` and ``stored`` differ."""
    return _differences(_encode(given), _encode(stored), "")


class RecordsVenue(Protocol):
    """The part of a journal that keeps its venue configuration (``Journal`` has it)."""

    @property
    def readonly(self) -> bool: ...

    def venue_config(self) -> str | None: ...

    def record_venue_config(self, text: str) -> None: ...

    def last_seq(self) -> int: ...


def venue_config_of(journal: RecordsVenue, given: VenueConfig | None) -> VenueConfig:
    """Return the configuration to replay ``journal`` with, recording ``given`` on a new one.

    ``given`` None: the one the journal records. Raises ``JournalError`` (one line) if the
    journal records another than ``given``, records a damaged one, or none and none is given.
    """
    text = journal.venue_config()
    if text is None:
        if given is None:
            raise JournalError(
                f"{journal} does not record the venue configuration it was written with"
                " (an older journal): give the options it was written with"
            )
        if journal.last_seq() > 0:  # written before journals recorded it: before _ADDED too
            given = _older(given)
            if not journal.readonly:  # in the format of its time, so today's options match it
                journal.record_venue_config(compact(_without_added(_encode(given))))
            return given
        if not journal.readonly:
            journal.record_venue_config(encode_venue_config(given))
        return given
    try:
        stored = decode_venue_config(text)
    except ValueError as error:
        raise JournalError(
            f"{journal}: its recorded venue configuration is damaged ({error})"
            " (tampered or corrupt)"
        ) from None
    if given is not None:
        given = _as_recorded(given, stored, text)
    if given is not None and given != stored:
        fields = ", ".join(differences(given, stored)) or "the configuration"
        raise JournalError(
            f"{journal} was written with another venue configuration ({fields} differ):"
            " open it with the options it was written with"
        )
    return stored


def _as_recorded(given: VenueConfig, stored: VenueConfig, text: str) -> VenueConfig:
    """Return ``given`` with the fields ``text`` predates taken from ``stored``: an older
    journal goes on as it was written (its funds seeded, its premium samples, the older way)."""
    data = json.loads(text)
    for path in _ADDED:
        *parents, name = path.split(".")[1:]
        recorded = data
        for parent in parents:
            recorded = recorded[parent]
        if name not in recorded:
            value: object = stored
            for part in [*parents, name]:
                value = getattr(value, part)
            given = _replaced(given, [*parents, name], value)
    return given


def _older(config: VenueConfig) -> VenueConfig:
    """Return ``config`` with every field added since journals recorded none at its older value."""
    for path, value in _ADDED.items():
        config = _replaced(config, path.split(".")[1:], value)
    return config


def _without_added(data: object) -> object:
    """Return the encoded configuration ``data`` without the fields of ``_ADDED``."""
    assert isinstance(data, dict)
    for path in _ADDED:
        *parents, name = path.split(".")[1:]
        recorded = data
        for parent in parents:
            recorded = recorded[parent]
        del recorded[name]
    return data


def _replaced(config: T, path: list[str], value: object) -> T:
    """Return ``config`` with the field at ``path`` set to ``value``."""
    head, *rest = path
    if rest:
        value = _replaced(getattr(config, head), rest, value)
    return dataclasses.replace(config, **{head: value})  # type: ignore[type-var]


def _encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


def _decode(kind: type[T], data: object, where: str) -> T:
    """Build the dataclass ``kind`` from ``data``, each field typed like its default."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} is not an object")
    names = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
    added = {n: _encode(_ADDED[f"{where}.{n}"]) for n in names if f"{where}.{n}" in _ADDED}
    data = {**added, **data}
    if sorted(data) != sorted(names):
        raise ValueError(f"{where} has the fields {sorted(data)}, not {sorted(names)}")
    defaults = kind()
    values = {
        name: _field(getattr(defaults, name), name, data[name], f"{where}.{name}") for name in names
    }
    try:
        return kind(**values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def _field(default: object, name: str, raw: object, where: str) -> object:
    if default is None:
        return None if raw is None else _decode(_OPTIONAL[name], raw, where)
    if dataclasses.is_dataclass(default):
        return _decode(type(default), raw, where)
    if isinstance(default, Enum):
        try:
            return type(default)(raw)
        except ValueError:
            raise ValueError(f"{where} is not one of its values") from None
    if isinstance(default, tuple):
        if all(isinstance(item, str) for item in default):
            if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
                raise ValueError(f"{where} is not a list of names")
            return tuple(raw)
        return _pairs(raw, where)
    if type(raw) is not type(default):
        raise ValueError(f"{where} is not a {type(default).__name__}")
    return raw


def _pairs(raw: object, where: str) -> tuple[tuple[str, int], ...]:
    """Read a list of ``[name, whole number]`` pairs (``InsuranceConfig.seed_prices``)."""
    if not isinstance(raw, list) or not all(
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], str)
        and type(item[1]) is int
        for item in raw
    ):
        raise ValueError(f"{where} is not a list of [name, whole number] pairs")
    return tuple((item[0], item[1]) for item in raw)


def _differences(given: object, stored: object, prefix: str) -> list[str]:
    if isinstance(given, dict) and isinstance(stored, dict):
        found = []
        for name in sorted(set(given) | set(stored)):
            found += _differences(given.get(name), stored.get(name), f"{prefix}{name}.")
        return found
    return [] if given == stored else [prefix.rstrip(".")]
