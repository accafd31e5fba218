"""Where every margin unit's liquidation and margin-call prices sit, so a tick is not a scan.

A unit with one position (an isolated position, or a cross account holding one position in its
asset) has a liquidation price and a margin-call price in one symbol (``margin_unit.trigger_
price``, screened in floats by ``screen.screen_price``: never later). They sit in two heaps
per symbol: *falling* (a long: reached when the mark falls to the price; a max-heap) and
*rising* (a short; a min-heap). A mark-price tick pops what it reached, ``O(log n + k)`` for
the ``k`` units it reaches; once a unit's margin call has fired, a *re-arm* entry on the other
side notices its recovery.

Units holding several positions (multi-symbol cross, a hedge pair, an insurance fund) have no
single price. Each gets a *band* per symbol it holds (``margin_unit.band_room``; far from its
thresholds, ``screen.screen_bands``, never wider): as long as every mark stays within its band,
no threshold can be reached; the band's two edges sit in the same heaps (a BAND hit), so a tick
pops only the units whose band it left, which are checked exactly and re-banded. A unit too
close to a threshold for any band is *hot*: checked on every move of its symbols.

Entries are not removed one by one: a unit whose wallet or positions change is indexed afresh,
and its old entries go stale together: an entry is live while its generation is its unit's
(``gens``, a list indexed by the unit's number: no hashing), popped stale entries are
dropped, and a heap grown to four times its live entries is compacted. An entry is one
integer, ``(heap price << 62) | (generation << 30) | (unit number << 2) | hit``, ordered by
price: pushing one allocates no object for the cyclic garbage collector to walk (a tuple per
push was half of what its young collections scanned) and touches no dictionary, and its low
62 bits (unit, generation, hit) fit a machine word. The engine marks units dirty
from its events (ledger postings, position changes) and ``units.refresh`` re-indexes them
before each sweep. Every hit is a candidate only: the sweep confirms it with the exact figures.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Final, NamedTuple

from liquidator.core.exchange.events import Event, PositionChanged
from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.margin.position import MarginType
from liquidator.core.margin.unit import IntTiers, trigger_price
from liquidator.core.money.scaled import SCALE
from liquidator.core.risk.adl_book import AdlBook, LazyRanking
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.core.risk.screen import FloatTiers, screen_price

UnitKey = tuple[str, str]  # (wallet ledger account, asset)
COMPACT_GROWTH: Final = 4  # compact a heap past 4x its live entries + 1024
COMPACT_SLACK: Final = 1024


class Hit:
    """What a popped entry asks the sweep to check (plain ints: they are packed into entries)."""

    LIQUIDATION: Final = 0
    MARGIN_CALL: Final = 1
    REARM: Final = 2  # a called unit may have recovered below the threshold
    BAND: Final = 3  # a multi-position unit's mark left the band where nothing can happen


# an entry: (heap price << 62) | (generation << 30) | (unit number << 2) | hit; the low 62 bits
# fit a machine word, so reading an entry's unit and generation is one big-integer operation
PRICE_SHIFT: Final = 62
LOW_MASK: Final = (1 << 62) - 1
GEN_SHIFT: Final = 30
GEN_MASK: Final = (1 << 32) - 1  # wraps after 2**32 indexings of one unit (see ``_begin``)
UNIT_SHIFT: Final = 2
UNIT_MASK: Final = (1 << 28) - 1
MAX_UNITS: Final = 1 << 28
FALLING_FLIP: Final = 1 << 80  # a falling heap's price is stored as FALLING_FLIP - price (min-heap)
HIT_MASK: Final = (1 << UNIT_SHIFT) - 1  # an entry's low bits: its ``Hit``
FLIPPED: Final = FALLING_FLIP << PRICE_SHIFT  # a falling entry is FLIPPED - (price << 62) + low
WORD_PRICE: Final = (1 << 61) - 1  # prices up to this are compared as machine words


class Popped(NamedTuple):
    """An entry :meth:`RiskIndex.reached` took off a heap: where from, and what it asks."""

    symbol: str
    falling: bool  # from the falling heap
    entry: int  # the packed entry, to put back as it was (``RiskIndex.restore``)
    unit: UnitKey
    hit: int  # a ``Hit``


Band = tuple[str, int, int, int]  # (symbol, mark, room, safe direction: +1 up, -1 down, 0)


class RiskIndex:
    """The per-symbol heaps, the multi-position units and the dirty set (all derived state)."""

    __slots__ = (
        "adl_books",
        "adl_rankings",
        "cursor",
        "dirty",
        "falling",
        "falling_cap",
        "gens",
        "hot",
        "hot_symbols",
        "quiet_marks",
        "rising",
        "rising_cap",
        "screens",
        "swept_marks",
        "unit_ids",
        "unit_keys",
    )

    def __init__(self, tiers: dict[str, IntTiers]) -> None:
        symbols = sorted(tiers)
        self.falling: dict[str, list[int]] = {s: [] for s in symbols}  # by FALLING_FLIP - price
        self.screens = {symbol: FloatTiers(table) for symbol, table in tiers.items()}
        self.rising: dict[str, list[int]] = {s: [] for s in symbols}
        self.falling_cap = dict.fromkeys(symbols, COMPACT_SLACK)  # compact a heap past this
        self.rising_cap = dict.fromkeys(symbols, COMPACT_SLACK)
        self.hot: dict[str, set[UnitKey]] = {s: set() for s in symbols}
        self.hot_symbols: dict[UnitKey, tuple[str, ...]] = {}
        self.adl_rankings: dict[tuple[str, bool], LazyRanking] = {}  # per sweep
        self.adl_books: dict[tuple[str, bool], AdlBook] = {}  # kept between sweeps (adl_book)
        self.unit_ids: dict[UnitKey, int] = {}  # each unit ever indexed: its number
        self.unit_keys: list[UnitKey] = []  # by number
        self.gens: list[int] = []  # by number: the generation of the unit's live entries
        self.dirty: set[UnitKey] = set()
        self.swept_marks: dict[str, int] = {}
        self.quiet_marks: tuple[int, ...] = ()  # every mark when a sweep last found nothing to do
        self.cursor = 0  # events of the command being handled already absorbed

    # --- what changed ----------------------------------------------------------------------------

    def begin(self) -> None:
        """Start a new command: its event list starts empty."""
        self.cursor = 0

    def absorb(self, out: list[Event], assets: dict[str, str]) -> None:
        """Mark dirty every unit whose wallet or positions the new events in ``out`` changed."""
        dirty = self.dirty
        for index in range(self.cursor, len(out)):
            event = out[index]
            if type(event) is LedgerPosted:
                for name, _ in event.postings:
                    if name[0] != "@" or is_fund(name):
                        dirty.add((name, event.asset))
            elif type(event) is PositionChanged:
                wallet = (
                    f"{event.account}/{event.symbol}/{event.position_side._value_}"
                    if event.margin_type is MarginType.ISOLATED
                    else event.account
                )
                dirty.add((wallet, assets[event.symbol]))
        self.cursor = len(out)

    # --- indexing --------------------------------------------------------------------------------

    def drop(self, key: UnitKey) -> None:
        """Forget ``key``'s entries (they go stale) and its place among the hot units."""
        number = self.unit_ids.get(key)
        if number is not None:
            self.gens[number] = (self.gens[number] + 1) & GEN_MASK  # no entry has this one
        if self.hot_symbols:  # most often empty: no hashing of the key then
            for symbol in self.hot_symbols.pop(key, ()):
                self.hot[symbol].discard(key)

    def add_bands(self, key: UnitKey, bands: list[Band]) -> None:
        """Index a multi-position unit by the band around each of its symbols' marks.

        A band's direction (``margin_unit.safe_direction``) names the way the mark can only
        make the unit safer: that edge is left out. A band of no room makes the unit hot.
        """
        for band in bands:
            if band[2] <= 0:
                symbols = self.hot_symbols[key] = tuple(band[0] for band in bands)
                for symbol in symbols:
                    self.hot[symbol].add(key)
                return
        unit = self._begin(key)
        for symbol, mark, room, direction in bands:
            if direction >= 0:  # a fall can hurt
                self._push(symbol, True, mark - room, unit, Hit.BAND)
            if direction <= 0:  # a rise can hurt
                self._push(symbol, False, mark + room, unit, Hit.BAND)

    def add_single(
        self,
        key: UnitKey,
        symbol: str,
        *,
        wallet: int,
        quantity: int,
        cost: int,
        tiers: IntTiers,
        call_threshold: int,
        called: bool,
    ) -> None:
        """Index a one-position unit's margin-call price, and its liquidation price once called.

        A unit not yet called needs only its margin-call entry when the call threshold is at most
        100%: the mark reaches the call price no later than the liquidation price (a unit past
        100% is past the threshold, and each price never flags later than the exact check), and
        the sweep's exact check of a popped unit liquidates it if it is past 100%. A called unit
        gets its liquidation entry and a re-arm entry that watches the way back.
        """
        unit = self._begin(key)
        long = quantity > 0
        if not called and call_threshold <= SCALE:
            call = screen_price(
                wallet, quantity, cost, tiers, self.screens[symbol], threshold=call_threshold
            )
            self._push(symbol, long, call, unit, Hit.MARGIN_CALL)
        else:  # rare: a called unit, or a threshold past 100%; the way back needs the exact call
            liquidation = screen_price(wallet, quantity, cost, tiers, self.screens[symbol])
            self._push(symbol, long, liquidation, unit, Hit.LIQUIDATION)
            call = trigger_price(wallet, quantity, cost, tiers, threshold=call_threshold)
            if called:  # watch the way back: the mark moving away past the call price
                self._push(symbol, not long, _unwiden(call, long), unit, Hit.REARM)
            else:
                self._push(symbol, long, call, unit, Hit.MARGIN_CALL)

    def _begin(self, key: UnitKey) -> int:
        """Start a new indexing of ``key`` (its older entries go stale).

        Return the low bits its new entries carry: its number and its new generation. An
        entry is live while its generation is its unit's; one that survived 2**32 indexings
        of its unit uncompacted would pass for live again, which costs an exact check of that
        unit and nothing else (every hit is a candidate only).
        """
        number = self.unit_ids.get(key)
        if number is None:
            number = len(self.unit_keys)
            if number >= MAX_UNITS:
                raise RuntimeError(f"the risk index holds at most {MAX_UNITS} margin units")
            self.unit_ids[key] = number
            self.unit_keys.append(key)
            self.gens.append(0)
        gen = self.gens[number] = (self.gens[number] + 1) & GEN_MASK
        return (gen << GEN_SHIFT) | (number << UNIT_SHIFT)

    def _push(self, symbol: str, falling: bool, price: int, unit: int, hit: int) -> None:
        """Push an entry of ``unit`` (the low bits ``_begin`` returned) at ``price``."""
        if falling:  # written out: no tuple of the two maps built per push
            heap = self.falling[symbol]
            heappush(heap, _entry(price, True, unit | hit))
            if len(heap) > self.falling_cap[symbol]:
                self.falling[symbol] = self._compacted(heap, self.falling_cap, symbol)
        else:
            heap = self.rising[symbol]
            heappush(heap, _entry(price, False, unit | hit))
            if len(heap) > self.rising_cap[symbol]:
                self.rising[symbol] = self._compacted(heap, self.rising_cap, symbol)

    def _live(self, entry: int) -> bool:
        """Tell whether ``entry`` belongs to its unit's current indexing."""
        low = entry & LOW_MASK
        return low >> GEN_SHIFT == self.gens[(low >> UNIT_SHIFT) & UNIT_MASK]

    def _compacted(self, heap: list[int], caps: dict[str, int], symbol: str) -> list[int]:
        """Return ``heap`` without its stale entries; let it grow to 4x that before the next.

        Every re-index leaves the unit's old entries behind; without this a busy venue's heaps
        grow without bound (six stale entries to one live after 200,000 orders, and a server
        runs for days). Amortized O(1) per push: a scan of at most 4/3 entries per push.
        """
        live = [entry for entry in heap if self._live(entry)]
        heapify(live)
        caps[symbol] = COMPACT_GROWTH * len(live) + COMPACT_SLACK
        return live

    def restore(self, popped: list[Popped]) -> None:
        """Put back entries popped by :meth:`reached` that the exact check did not confirm."""
        for hit in popped:
            heappush((self.falling if hit.falling else self.rising)[hit.symbol], hit.entry)

    # --- a tick ---------------------------------------------------------------------------------

    def reached(self, symbol: str, mark: int) -> list[Popped]:
        """Pop every live entry of ``symbol`` that ``mark`` reaches (stale ones are dropped)."""
        hits: list[Popped] = []
        # below each bound: a price at or above the mark (falling), at or below it (rising)
        self._pop_below(symbol, True, (FALLING_FLIP - mark + 1) << PRICE_SHIFT, hits)
        self._pop_below(symbol, False, (mark + 1) << PRICE_SHIFT, hits)
        return hits

    def _pop_below(self, symbol: str, falling: bool, bound: int, hits: list[Popped]) -> None:
        """Pop the entries of one heap below ``bound``; add the live ones to ``hits``."""
        heap = (self.falling if falling else self.rising)[symbol]
        while heap and heap[0] < bound:
            entry = heappop(heap)
            low = entry & LOW_MASK
            unit = (low >> UNIT_SHIFT) & UNIT_MASK
            if low >> GEN_SHIFT == self.gens[unit]:  # live (``_live``, reading ``low`` once)
                hits.append(Popped(symbol, falling, entry, self.unit_keys[unit], low & HIT_MASK))

    def moved(self, symbol: str, mark: int) -> bool:
        """Tell whether ``symbol``'s mark moved since the last sweep (and remember it)."""
        if self.swept_marks.get(symbol) == mark:
            return False
        self.swept_marks[symbol] = mark
        return True

    def size(self) -> int:
        """Return the number of heap entries, stale ones included (for reports)."""
        return sum(len(h) for h in self.falling.values()) + sum(
            len(h) for h in self.rising.values()
        )


def _entry(price: int, falling: bool, low: int) -> int:
    """Encode one heap entry: ordered by price (a falling heap's highest first), then ``low``.

    The stored price is ``max(price, 0)``, for a falling heap ``FALLING_FLIP - min(max(price,
    0), FALLING_FLIP - 1)``. A price within a machine word (every real one) is compared and
    shifted as one: ``(FALLING_FLIP - p) << 62 | low`` is ``FLIPPED - (p << 62) + low``, two
    big-integer operations instead of four.
    """
    if price <= 0:
        price = 0
    elif price > WORD_PRICE:  # past any real price: the exact clamp, as big integers
        stored = FALLING_FLIP - min(price, FALLING_FLIP - 1) if falling else price
        return (stored << PRICE_SHIFT) | low
    if falling:
        return FLIPPED - ((price << PRICE_SHIFT) - low)
    return (price << PRICE_SHIFT) | low


def _unwiden(price: int, long: bool) -> int:
    """The re-arm side of a call price: a long recovers above it, a short below it."""
    return price + 1 if long else max(1, price - 1)
