"""The rule language of program eligibility and benefit formulas (aturan program).

Administrators at Kemensos write a program's eligibility rule and its benefit formula as short expressions::

    desil <= 4 and not any_member(pekerjaan in ["asn", "tni", "polri"])
    desil <= 4 and count_members(umur >= 70) >= 1
    200000 * bulan                                   (a benefit formula: integer rupiah)
    jumlah_anggota >= 1 and not all_members(meninggal)

A rule is parsed by a real LALR parser (lark) into a closed vocabulary, type-checked, and compiled to Polars
expressions evaluated on whole columns: member-level sub-expressions run on the members frame, are aggregated with
one ``group_by("household_id")`` and joined back to the households. Nothing here calls ``eval``/``exec``, builds
SQL text or loops over rows in Python; a rule can name only the attributes and functions listed below.

Public API
----------

``compile_rule(text, kind="eligibility" | "amount") -> CompiledRule`` (cached per text and kind) raises
``RuleError`` (``.code``, ``.message`` in Indonesian, ``.position`` with ``line``, ``column`` (1-based) and
``offset`` (0-based character index)). A ``CompiledRule`` has:

* ``evaluate(households, members=None, context=None) -> pl.DataFrame``: one row per row of ``households``, in the
  same order, with ``household_id`` and ``eligible`` (Boolean, never null) or ``amount`` (Int64; null only when the
  formula uses a missing value, e.g. an empty desil, or divides by zero). ``lazy(...)`` gives the LazyFrame.
* ``explain(household, members=(), context=None) -> list[ExplainItem]``: for one household (a mapping of its
  columns under their exchange names, and its members as mappings or a frame), every atomic condition of the
  rule in text order as ``(condition, values, truth)``, e.g. ``("desil <= 4", "desil = 5", False)``. An atomic
  condition is what ``and``/``or`` join: a comparison, a yes/no attribute, an aggregate, or ``not`` of one of these
  (``not any_member(...)`` is one item, so in a rule of conditions joined by ``and`` every item whose truth is
  false is a reason). Aggregates show ``"1 dari 3 anggota memenuhi"``. Computed on a one-row frame by the same
  Polars code as ``evaluate``. For an amount formula: one item ``(formula, "bulan = 3; hasil = 600000", None)``.
* ``names_used`` (vocabulary names), ``household_columns`` / ``member_columns`` (the frame columns to load),
  ``context_names``, ``canonical`` (the parsed rule, fully parenthesised: for tests and audit).

Frames
------

households (``pl.DataFrame`` or ``pl.LazyFrame``): ``household_id`` (any type, unique; the output key) plus the
household columns of the exchange format that the rule uses (``household_columns``), under their exchange names.
Types are normalised: booleans (``aset_*``) may be Boolean, 0/1 or "0"/"1"; numbers may be numeric or numeric
strings; text may be String or Categorical, and a missing text value (null) counts as the empty string "".
Derived attributes are computed here: ``kode_provinsi`` / ``kode_kabupaten`` / ``kode_kecamatan`` are the first
2 / 4 / 6 characters of ``kode_wilayah``; ``punya_rekening`` is true when ``bank`` is filled in (and
``no_rekening`` too when that column is present), the same test as the payment channel; ``jumlah_anggota`` is the
number of the household's member rows that are not ``meninggal``. A frame may instead carry a derived column
itself when its base columns are absent.

members: ``household_id`` (same values as the households frame) plus the member columns the rule uses, with
``tanggal_lahir`` (Date) when ``umur`` is used and the Booleans ``meninggal`` (on the kematian list), ``asn_list``
(on the ASN list) and ``tni_polri_list`` (on the TNI/Polri list) computed by the caller from the reference lists.
``umur`` is computed here: completed years at ``context["tanggal_acuan"]`` (someone born on 29 February has a
birthday on 1 March in other years; someone born after the reference date has a negative age), the same rule as
``programs/batch/entitlements.py``. Members whose household is not in the households frame are ignored.

context (a mapping): ``bulan`` (months in the period: 1 for a monthly cycle, 3 for a tahap), ``tahap`` (1-4, or 0
for a monthly cycle), ``tahun``, and ``tanggal_acuan`` (a date, or "YYYY-MM-DD": the first day of the period).

Semantics
---------

* Every comparison (``== != < <= > >= in``, ``not in``) involving a missing number or date is false: with desil
  empty, ``desil <= 4``, ``desil > 4`` and ``desil != 5`` are all false. Arithmetic on a missing value, and division
  by zero, give a missing value. ``min``/``max`` of a missing value are missing. A missing text is "" (so ``bank ==
  ""`` means no bank, and ``sekolah != "sd"`` is true for someone not in school).
* Aggregates range over every member row of the household, the dead included (``meninggal`` says who is dead).
  For a household without members: ``any_member`` false, ``all_members`` true, ``count_members`` and
  ``sum_members`` 0. ``sum_members`` skips missing values.
* ``/`` is true division (a decimal result); ``//`` is floor division (``-7 // 2 == -4``). An amount formula must
  have an integer result (use ``//``); it is an Int64 number of rupiah.
* Operator precedence as in Python: ``or`` < ``and`` < ``not`` < comparisons < ``+ -`` < ``* / //`` < unary ``-``.
  Chained comparisons (``1 < desil < 4``) are refused.

Limits: a rule has at most ``MAX_RULE_LENGTH`` characters and ``MAX_DEPTH`` levels of nesting; numbers at most
10^15; texts at most 200 characters. There is no attribute access, no indexing and no call other than the functions
in ``FUNCTIONS``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import polars as pl
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from salur.registry import schema

__all__ = [
    "AGGREGATES",
    "CONTEXT_ATTRIBUTES",
    "DEFAULT_EXCLUSION",
    "DEFAULT_EXCLUSION_REASONS",
    "FUNCTIONS",
    "HOUSEHOLD_ATTRIBUTES",
    "MAX_DEPTH",
    "MAX_RULE_LENGTH",
    "MEMBER_ATTRIBUTES",
    "PKH_ELIGIBILITY_BASE",
    "SEMBAKO_AMOUNT",
    "SEMBAKO_ELIGIBILITY",
    "Attribute",
    "CompiledRule",
    "Conjunct",
    "ExplainItem",
    "Position",
    "RuleError",
    "compile_rule",
    "with_default_exclusion",
]

MAX_RULE_LENGTH = 2000
MAX_DEPTH = 100  # parse-tree levels; a chain of 30 conditions joined by `and` is about 35
MAX_NUMBER = 10**15
MAX_TEXT = 200

RuleKind = Literal["eligibility", "amount"]
ValueType = Literal["bool", "int", "dec", "str", "date"]
NodeType = Literal["bool", "int", "dec", "str", "date", "list"]
Level = Literal["keluarga", "anggota", "konteks"]

TYPE_LABEL: dict[str, str] = {
    "bool": "ya/tidak",
    "int": "angka",
    "dec": "angka desimal",
    "str": "teks",
    "date": "tanggal",
    "list": "daftar",
}
NUMERIC = ("int", "dec")

# --- default rules (contract: programs-and-payments.md) ------------------------------------------------------

# Members on the death list count as absent: a dead ASN does not exclude the household (contract: exclusions).
DEFAULT_EXCLUSION_REASONS: dict[str, str] = {
    "ANGGOTA_ASN": 'any_member(not meninggal and (asn_list or pekerjaan == "asn"))',
    "ANGGOTA_TNI_POLRI": 'any_member(not meninggal and (tni_polri_list or pekerjaan in ["tni", "polri"]))',
    "TANPA_ANGGOTA_HIDUP": "jumlah_anggota == 0",
}
DEFAULT_EXCLUSION = (
    'not any_member(not meninggal and (asn_list or pekerjaan == "asn"))'
    ' and not any_member(not meninggal and (tni_polri_list or pekerjaan in ["tni", "polri"]))'
    " and jumlah_anggota >= 1"
)
PKH_ELIGIBILITY_BASE = "desil <= 4"  # plus the exclusions and "at least one component" (programs/batch)
SEMBAKO_ELIGIBILITY = "desil <= 4"
SEMBAKO_AMOUNT = "200000 * bulan"  # Rp200,000 per month of the period


def with_default_exclusion(rule: str) -> str:
    """The rule text and the default exclusions, both required."""
    return f"({rule}) and {DEFAULT_EXCLUSION}"


# --- vocabulary ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """A name a rule may use: a household or member attribute, or a value of the cycle (context)."""

    name: str
    type: ValueType
    level: Level
    label: str
    allowed: tuple[str, ...] | tuple[int, ...] = ()  # enumerations: the only values it takes
    optional: bool = False  # may be missing ("" for text, null for numbers)
    digits: int | None = None  # text made of exactly this many digits (codes)
    value_range: tuple[int, int] | None = None  # inclusive range of an integer
    sources: tuple[str, ...] = ()  # base columns a derived attribute is computed from (same level)
    member_sources: tuple[str, ...] = ()  # member columns a derived household attribute is computed from


def _attribute_of_column(col: schema.Column, level: Level) -> Attribute:
    label = col.label or col.name
    optional = not col.required
    if col.kind == "enum":
        if col.allowed == schema.BINARY:
            return Attribute(col.name, "bool", level, label)
        if all(v.isdigit() for v in col.allowed):  # daya_listrik_va: a number with fixed steps
            return Attribute(col.name, "int", level, label, tuple(int(v) for v in col.allowed), optional)
        return Attribute(col.name, "str", level, label, col.allowed, optional)
    if col.kind == "bank":
        return Attribute(col.name, "str", level, label, col.allowed, optional=True)
    if col.kind in ("kk", "nik"):
        return Attribute(col.name, "str", level, label, optional=optional, digits=16)
    if col.kind == "wilayah":
        return Attribute(col.name, "str", level, label, optional=optional, digits=10)
    if col.kind == "decimal":
        return Attribute(col.name, "dec", level, label, optional=optional)
    if col.kind == "int":
        rng = None
        if col.min_value is not None and col.max_value is not None:
            rng = (col.min_value, col.max_value)
        return Attribute(col.name, "int", level, label, optional=optional, value_range=rng)
    if col.kind == "date":
        return Attribute(col.name, "date", level, label, optional=optional)
    return Attribute(col.name, "str", level, label, optional=optional)  # text, digits, rekening


def _household_vocabulary() -> dict[str, Attribute]:
    out = {c.name: _attribute_of_column(c, "keluarga") for c in schema.KELUARGA_COLUMNS}
    derived = (
        Attribute("jumlah_anggota", "int", "keluarga", "Jumlah anggota hidup", member_sources=("meninggal",)),
        Attribute("kode_provinsi", "str", "keluarga", "Kode provinsi", digits=2, sources=("kode_wilayah",)),
        Attribute(
            "kode_kabupaten", "str", "keluarga", "Kode kabupaten/kota", digits=4, sources=("kode_wilayah",)
        ),
        Attribute("kode_kecamatan", "str", "keluarga", "Kode kecamatan", digits=6, sources=("kode_wilayah",)),
        Attribute(
            "punya_rekening", "bool", "keluarga", "Punya rekening bank", sources=("bank", "no_rekening")
        ),
    )
    out.update({a.name: a for a in derived})
    return out


def _member_vocabulary() -> dict[str, Attribute]:
    # no_kk of a member is its household's: use the household attribute.
    out = {c.name: _attribute_of_column(c, "anggota") for c in schema.ANGGOTA_COLUMNS if c.name != "no_kk"}
    derived = (
        Attribute(
            "umur", "int", "anggota", "Umur (tahun penuh pada tanggal acuan)", sources=("tanggal_lahir",)
        ),
        Attribute("meninggal", "bool", "anggota", "Tercatat dalam daftar kematian"),
        Attribute("asn_list", "bool", "anggota", "Tercatat dalam daftar ASN"),
        Attribute("tni_polri_list", "bool", "anggota", "Tercatat dalam daftar TNI/Polri"),
    )
    out.update({a.name: a for a in derived})
    return out


HOUSEHOLD_ATTRIBUTES: dict[str, Attribute] = _household_vocabulary()
MEMBER_ATTRIBUTES: dict[str, Attribute] = _member_vocabulary()
CONTEXT_ATTRIBUTES: dict[str, Attribute] = {
    "bulan": Attribute("bulan", "int", "konteks", "Jumlah bulan dalam periode"),
    "tahap": Attribute("tahap", "int", "konteks", "Nomor tahap (1-4; 0 untuk siklus bulanan)"),
    "tahun": Attribute("tahun", "int", "konteks", "Tahun periode"),
}
assert not (set(HOUSEHOLD_ATTRIBUTES) & set(MEMBER_ATTRIBUTES)), "a name must belong to one level"

AGGREGATES: dict[str, str] = {
    "any_member": "ada anggota yang memenuhi",
    "all_members": "semua anggota memenuhi",
    "count_members": "banyaknya anggota yang memenuhi",
    "sum_members": "jumlah nilai atas semua anggota",
}
FUNCTIONS: tuple[str, ...] = (*AGGREGATES, "min", "max")
_KEYWORDS = ("and", "or", "not", "in", "true", "false")
_ALL_NAMES = (*HOUSEHOLD_ATTRIBUTES, *MEMBER_ATTRIBUTES, *CONTEXT_ATTRIBUTES)

# --- errors ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based
    offset: int  # 0-based character index in the rule text

    @classmethod
    def at(cls, text: str, offset: int) -> Position:
        offset = max(0, min(offset, len(text)))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return cls(line, column, offset)


class RuleError(ValueError):
    """A rule that cannot be accepted; `message` says why in words an administrator understands."""

    def __init__(self, code: str, message: str, position: Position):
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position

    def __repr__(self) -> str:
        return f"RuleError({self.code!r}, {self.message!r}, {self.position!r})"


def _rule_error(text: str, code: str, offset: int, main: str, hint: str = "") -> RuleError:
    pos = Position.at(text, offset)
    where = f"kolom {pos.column}" if "\n" not in text else f"baris {pos.line}, kolom {pos.column}"
    message = f"{main} ({where})."
    if hint:
        message += f" {hint}"
    return RuleError(code, message, pos)


def _suggest(word: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word.lower(), list(candidates), n=3, cutoff=0.6)


# --- grammar -------------------------------------------------------------------------------------------------

_GRAMMAR = r"""
?start: or_test

?or_test: and_test
        | or_test OR and_test -> or_
?and_test: not_test
         | and_test AND not_test -> and_
?not_test: NOT not_test -> not_
         | comparison
?comparison: sum
           | sum (comp_op sum)+ -> compare
comp_op: EQ | NE | LT | LE | GT | GE | IN | NOT IN
?sum: term
    | sum PLUS term -> arith
    | sum MINUS term -> arith
?term: factor
     | term STAR factor -> arith
     | term SLASH factor -> arith
     | term DSLASH factor -> arith
?factor: atom
       | MINUS factor -> neg
?atom: NUMBER -> number
     | STRING -> string
     | TRUE -> true
     | FALSE -> false
     | NAME -> name
     | NAME LPAR [args] RPAR -> call
     | LSQB [args] RSQB -> list
     | LPAR or_test RPAR -> paren
args: or_test (COMMA or_test)*

OR: "or"
AND: "and"
NOT: "not"
IN: "in"
TRUE: "true"
FALSE: "false"
EQ: "=="
NE: "!="
LE: "<="
GE: ">="
LT: "<"
GT: ">"
PLUS: "+"
MINUS: "-"
DSLASH: "//"
SLASH: "/"
STAR: "*"
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[0-9](_?[0-9])*(\.[0-9]+)?/
STRING: /"[^"\n]*"/
WS: /[ \t\r\n]+/
%ignore WS
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=True)

_TOKEN_TEXT = {
    "OR": "or",
    "AND": "and",
    "NOT": "not",
    "IN": "in",
    "EQ": "==",
    "NE": "!=",
    "LE": "<=",
    "GE": ">=",
    "LT": "<",
    "GT": ">",
    "PLUS": "+",
    "MINUS": "-",
    "DSLASH": "//",
    "SLASH": "/",
    "STAR": "*",
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "COMMA": ",",
}
_OPERAND_START = {"NUMBER", "STRING", "TRUE", "FALSE", "NAME", "LPAR", "LSQB", "MINUS", "NOT"}
_OPERAND_END = {"NUMBER", "STRING", "TRUE", "FALSE", "NAME", "RPAR", "RSQB"}
_BINARY = {"OR", "AND", "IN", "EQ", "NE", "LE", "GE", "LT", "GT", "PLUS", "STAR", "SLASH", "DSLASH"}

_CHAR_HINTS = {
    ";": "Tanda ';' tidak diizinkan: satu aturan adalah satu ekspresi",
    "=": "Pakai '==' untuk membandingkan; satu '=' tidak dikenal",
    "!": "Pakai 'not' untuk menyangkal, atau '!=' untuk 'tidak sama dengan'",
    "&": "Pakai 'and', bukan '&'",
    "|": "Pakai 'or', bukan '|'",
    "'": 'Teks ditulis di antara tanda petik dua, mis. "asn"',
    "\u2018": 'Teks ditulis di antara tanda petik dua biasa, mis. "asn"',
    "\u2019": 'Teks ditulis di antara tanda petik dua biasa, mis. "asn"',
    "\u201c": 'Pakai tanda petik dua biasa ("), bukan tanda petik miring',
    "\u201d": 'Pakai tanda petik dua biasa ("), bukan tanda petik miring',
    ".": "Tanda titik hanya boleh di dalam angka desimal (mis. 1.5); akses atribut seperti a.b tidak diizinkan",
    "%": "Operator '%' tidak tersedia; yang ada: + - * / //",
    "#": "Komentar tidak didukung",
}


def _lex(text: str) -> list[Token]:
    try:
        return list(_PARSER.lex(text))
    except UnexpectedCharacters as exc:
        offset = exc.pos_in_stream or 0
        char = text[offset]
        if char == '"':
            raise _rule_error(text, "PETIK_TIDAK_DITUTUP", offset, 'Tanda petik " tidak ditutup') from None
        main = _CHAR_HINTS.get(char, f"Karakter '{char}' tidak dikenal")
        raise _rule_error(text, "KARAKTER_TIDAK_DIKENAL", offset, main) from None


def _check_brackets(text: str, tokens: list[Token]) -> None:
    pairs = {"RPAR": "LPAR", "RSQB": "LSQB"}
    stack: list[Token] = []
    for tok in tokens:
        if tok.type in ("LPAR", "LSQB"):
            stack.append(tok)
        elif tok.type in pairs:
            if not stack:
                raise _rule_error(
                    text,
                    "KURUNG_TANPA_PASANGAN",
                    tok.start_pos or 0,
                    f"Tanda kurung '{tok}' tidak punya pasangan pembuka",
                )
            opening = stack.pop()
            if opening.type != pairs[tok.type]:
                closing = ")" if opening.type == "LPAR" else "]"
                raise _rule_error(
                    text,
                    "KURUNG_TIDAK_COCOK",
                    tok.start_pos or 0,
                    f"Tanda kurung '{tok}' tidak cocok dengan '{opening}' di kolom {opening.column}",
                    f"Tutup dulu dengan '{closing}'.",
                )
    if stack:
        opening = stack[-1]
        closing = ")" if opening.type == "LPAR" else "]"
        raise _rule_error(
            text,
            "KURUNG_TIDAK_DITUTUP",
            opening.start_pos or 0,
            "Tanda kurung tidak ditutup",
            f"Tambahkan '{closing}'.",
        )


def _token_text(tok: Token) -> str:
    return str(tok) if tok.type != "$END" else ""


def _syntax_error(text: str, tokens: list[Token], exc: UnexpectedInput) -> RuleError:
    if not isinstance(exc, UnexpectedToken):
        return _rule_error(text, "TIDAK_LENGKAP", len(text), "Aturan belum selesai")
    tok = exc.token
    if tok.type == "$END":
        if not tokens:
            return _rule_error(text, "ATURAN_KOSONG", 0, "Aturan kosong")
        last = tokens[-1]
        return _rule_error(
            text,
            "TIDAK_LENGKAP",
            last.end_pos if last.end_pos is not None else len(text),
            f"Aturan belum selesai: setelah '{last}' masih harus ada nilai atau nama",
        )
    expected = set(exc.expected)
    index = next((i for i, t in enumerate(tokens) if t.start_pos == tok.start_pos), len(tokens))
    prev = tokens[index - 1] if index > 0 else None
    shown = _token_text(tok)
    offset = tok.start_pos if tok.start_pos is not None else 0
    after_operand = prev is not None and prev.type in _OPERAND_END
    if tok.type == "LSQB" and after_operand:
        return _rule_error(text, "SINTAKS", offset, "Pengindeksan dengan [...] tidak diizinkan")
    if tok.type == "LPAR" and after_operand:
        return _rule_error(
            text,
            "SINTAKS",
            offset,
            "Hanya fungsi yang boleh dipanggil dengan (...)",
            f"Fungsi yang tersedia: {', '.join(FUNCTIONS)}.",
        )
    if tok.type == "COMMA":
        return _rule_error(
            text,
            "SINTAKS",
            offset,
            "Tanda koma hanya boleh di antara argumen fungsi atau isi daftar",
            "Angka desimal ditulis dengan titik, mis. 1.5.",
        )
    if after_operand and tok.type in _OPERAND_START:
        assert prev is not None
        if prev.type == "NOT" or tok.type == "NOT":
            return _rule_error(
                text, "SINTAKS", offset, f"'{shown}' tidak diharapkan di sini; maksud Anda 'not in'?"
            )
        return _rule_error(
            text,
            "SINTAKS",
            offset,
            f"Di antara '{prev}' dan '{shown}' tidak ada operator",
            "Mungkin kurang 'and', 'or' atau perbandingan seperti '=='.",
        )
    if prev is not None and prev.type == "NOT" and "IN" in expected:
        return _rule_error(text, "SINTAKS", offset, "Setelah 'not' di sini harus ada 'in'")
    if tok.type in _BINARY or tok.type == "RPAR" or tok.type == "RSQB":
        before = f"setelah '{prev}'" if prev is not None else "di awal aturan"
        return _rule_error(
            text, "SINTAKS", offset, f"'{shown}' tidak bisa berada {before}: di sini harus ada nilai"
        )
    return _rule_error(text, "SINTAKS", offset, f"'{shown}' tidak diharapkan di sini")


# --- type checking -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Node:
    """A checked expression. op: lit, list, name, not, neg, and, or, cmp, in, arith, minmax, agg."""

    op: str
    start: int
    end: int
    type: NodeType
    args: tuple[_Node, ...] = ()
    value: Any = None  # literal value, comparison/arith operator, function name, or attribute name
    attr: Attribute | None = None


def _span(item: Tree | Token) -> tuple[int, int]:
    if isinstance(item, Token):
        return (item.start_pos or 0, item.end_pos or 0)
    spans = [_span(c) for c in item.children if c is not None]
    return (min(s for s, _ in spans), max(e for _, e in spans))


def _tree_depth(tree: Tree) -> int:
    deepest = 0
    stack: list[tuple[Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return deepest


def _children(tree: Tree) -> list[Tree | Token]:
    return [c for c in tree.children if c is not None]


def _args_of(args: Tree | Token | None) -> list[Tree | Token]:
    if not isinstance(args, Tree):
        return []
    return [c for c in args.children if not (isinstance(c, Token) and c.type == "COMMA")]


class _Checker:
    def __init__(self, text: str):
        self.text = text
        self.used: dict[str, Attribute] = {}
        self.household_in_aggregate: set[str] = set()
        self.first_use: dict[str, int] = {}

    def error(self, code: str, offset: int, main: str, hint: str = "") -> RuleError:
        return _rule_error(self.text, code, offset, main, hint)

    def src(self, node: _Node) -> str:
        return self.text[node.start : node.end]

    def describe(self, node: _Node) -> str:
        return f"'{self.src(node)}' berupa {TYPE_LABEL[node.type]}"

    def check(self, item: Tree | Token, aggregate: str | None) -> _Node:
        assert isinstance(item, Tree)
        start, end = _span(item)
        kids = _children(item)
        method = getattr(self, f"_check_{item.data}")
        node: _Node = method(item, kids, start, end, aggregate)
        return node

    # literals and names

    def _check_number(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        raw = str(kids[0])
        digits = raw.replace("_", "")
        if "." in digits:
            whole, frac = digits.split(".")
            if len(frac) == 3 and whole.lstrip("0") and "_" not in raw:
                thousands = f"{whole}{frac}".lstrip("0")
                raise self.error(
                    "ANGKA_TIDAK_SAH",
                    start,
                    f"Angka '{raw}' membingungkan: titik di sini bisa berarti pemisah ribuan",
                    f"Untuk {thousands} tulis {thousands} atau {int(thousands):_}; untuk desimal tulis {float(digits)!r}.",
                )
            return _Node("lit", start, end, "dec", value=float(digits))
        value = int(digits)
        if value > MAX_NUMBER:
            raise self.error(
                "ANGKA_TIDAK_SAH", start, f"Angka '{raw}' terlalu besar (paling banyak {MAX_NUMBER:_})"
            )
        return _Node("lit", start, end, "int", value=value)

    def _check_string(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        value = str(kids[0])[1:-1]
        if len(value) > MAX_TEXT:
            raise self.error(
                "TEKS_TERLALU_PANJANG", start, f"Teks terlalu panjang (paling banyak {MAX_TEXT} karakter)"
            )
        return _Node("lit", start, end, "str", value=value)

    def _check_true(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        return _Node("lit", start, end, "bool", value=True)

    def _check_false(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        return _Node("lit", start, end, "bool", value=False)

    def _check_name(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        name = str(kids[0])
        attr = self.resolve(name, start, aggregate)
        return _Node("name", start, end, attr.type, value=name, attr=attr)

    def resolve(self, name: str, offset: int, aggregate: str | None) -> Attribute:
        if aggregate is not None and name in MEMBER_ATTRIBUTES:
            attr = MEMBER_ATTRIBUTES[name]
        elif name in HOUSEHOLD_ATTRIBUTES:
            attr = HOUSEHOLD_ATTRIBUTES[name]
            if aggregate is not None:
                self.household_in_aggregate.add(name)
        elif name in CONTEXT_ATTRIBUTES:
            attr = CONTEXT_ATTRIBUTES[name]
        elif name in MEMBER_ATTRIBUTES:
            raise self.error(
                "HANYA_ANGGOTA",
                offset,
                f"'{name}' hanya ada pada anggota; pakai any_member(...) atau count_members(...)",
                f"Contoh: any_member({name} ...).",
            )
        elif name in FUNCTIONS:
            raise self.error("BUKAN_NAMA", offset, f"'{name}' adalah fungsi; tulis {name}(...)")
        elif name.lower() in _KEYWORDS:
            raise self.error("NAMA_TIDAK_DIKENAL", offset, f"Tulis '{name.lower()}' dengan huruf kecil")
        else:
            close = _suggest(name, _ALL_NAMES)
            hint = f"Mungkin maksud Anda: {', '.join(close)}" if close else "Periksa ejaannya di daftar nama."
            raise self.error("NAMA_TIDAK_DIKENAL", offset, f"Nama '{name}' tidak dikenal", hint)
        self.used.setdefault(name, attr)
        self.first_use.setdefault(name, offset)
        return attr

    # boolean logic

    def _require_bool(self, node: _Node, what: str) -> None:
        if node.type != "bool":
            raise self.error(
                "JENIS_TIDAK_COCOK",
                node.start,
                f"{what} memerlukan kondisi ya/tidak; {self.describe(node)}",
                "Contoh kondisi: desil <= 4.",
            )

    def _check_not_(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        operand = self.check(kids[1], aggregate)
        self._require_bool(operand, "'not'")
        return _Node("not", start, end, "bool", (operand,))

    def _check_and_(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        return self._logic("and", kids, start, end, aggregate)

    def _check_or_(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        return self._logic("or", kids, start, end, aggregate)

    def _logic(self, op: str, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        left = self.check(kids[0], aggregate)
        right = self.check(kids[2], aggregate)
        for side in (left, right):
            self._require_bool(side, f"'{op}'")
        return _Node(op, start, end, "bool", (left, right))

    def _check_paren(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        inner = self.check(kids[1], aggregate)
        inner.start, inner.end = start, end  # the parentheses belong to the shown text
        return inner

    # comparisons

    def _check_compare(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        if len(kids) > 3:
            second = kids[3]
            raise self.error(
                "PERBANDINGAN_BERANTAI",
                _span(second)[0],
                "Perbandingan berantai tidak didukung",
                "Tulis 'a < b and b < c', bukan 'a < b < c'.",
            )
        op_tree = kids[1]
        op = " ".join(str(t) for t in op_tree.children)
        op_offset = _span(op_tree)[0]
        left_item, right_item = kids[0], kids[2]
        if op in ("in", "not in"):
            return self._check_in(op, left_item, right_item, start, end, aggregate, op_offset)
        left = self.check(left_item, aggregate)
        right = self.check(right_item, aggregate)
        for side in (left, right):
            if side.type == "list":
                raise self.error(
                    "DAFTAR_TIDAK_SAH",
                    side.start,
                    "Daftar [...] hanya boleh dipakai setelah 'in' atau 'not in'",
                )
        left, right = self._comparable(left, right, op, op_offset)
        return _Node("cmp", start, end, "bool", (left, right), value=op)

    def _check_in(
        self,
        op: str,
        left_item: Tree | Token,
        right_item: Tree | Token,
        start: int,
        end: int,
        aggregate: str | None,
        op_offset: int,
    ) -> _Node:
        left = self.check(left_item, aggregate)
        if left.type == "list":
            raise self.error(
                "DAFTAR_TIDAK_SAH", left.start, "Daftar [...] hanya boleh dipakai setelah 'in' atau 'not in'"
            )
        if not (isinstance(right_item, Tree) and right_item.data == "list"):
            raise self.error(
                "DAFTAR_TIDAK_SAH",
                _span(right_item)[0],
                f"Setelah '{op}' harus ada daftar nilai",
                'Contoh: pekerjaan in ["asn", "tni", "polri"].',
            )
        rstart, rend = _span(right_item)
        elements = _args_of(_children(right_item)[1] if len(_children(right_item)) == 3 else None)
        if not elements:
            raise self.error("DAFTAR_TIDAK_SAH", rstart, "Daftar kosong: tulis paling sedikit satu nilai")
        items = []
        for el in elements:
            value = self._literal(el, aggregate)
            _, value = self._comparable(left, value, "==", value.start)
            items.append(value)
        kinds = {it.type for it in items}
        if len(kinds - set(NUMERIC)) > 1 or (kinds - set(NUMERIC) and kinds & set(NUMERIC)):
            raise self.error(
                "DAFTAR_TIDAK_SAH", rstart, "Isi daftar harus sejenis (semua angka atau semua teks)"
            )
        values = _Node("list", rstart, rend, "list", tuple(items))
        return _Node("in", start, end, "bool", (left, values), value=op)

    def _literal(self, item: Tree | Token, aggregate: str | None) -> _Node:
        node = self.check(item, aggregate)
        if node.op == "neg" and node.args[0].op == "lit" and node.args[0].type in NUMERIC:
            return _Node("lit", node.start, node.end, node.type, value=-node.args[0].value)
        if node.op != "lit":
            raise self.error(
                "DAFTAR_TIDAK_SAH",
                node.start,
                "Isi daftar harus berupa nilai tetap (angka, teks dalam tanda petik, true atau false)",
            )
        return node

    def _comparable(self, left: _Node, right: _Node, op: str, op_offset: int) -> tuple[_Node, _Node]:
        lt, rt = left.type, right.type
        ordering = op in ("<", "<=", ">", ">=")
        if lt in NUMERIC and rt in NUMERIC:
            pass
        elif lt == rt and lt in ("str", "bool"):
            if ordering:
                raise self.error(
                    "OPERASI_TIDAK_SAH",
                    op_offset,
                    f"Perbandingan '{op}' hanya untuk angka atau tanggal; {self.describe(left)}",
                    "Untuk teks pakai '==', '!=' atau 'in'.",
                )
        elif lt == rt == "date":
            pass
        elif {lt, rt} == {"date", "str"}:
            left, right = self._as_date(left), self._as_date(right)
        else:
            hint = ""
            if "bool" in (lt, rt):
                hint = "Nilai ya/tidak dibandingkan dengan true atau false, atau ditulis langsung sebagai kondisi."
            elif "str" in (lt, rt):
                hint = 'Teks ditulis di antara tanda petik dua, mis. "asn".'
            raise self.error(
                "JENIS_TIDAK_COCOK",
                op_offset,
                f"Tidak bisa membandingkan {TYPE_LABEL[lt]} ('{self.src(left)}') dengan {TYPE_LABEL[rt]} ('{self.src(right)}')",
                hint,
            )
        if op in ("==", "!="):  # `daya_listrik_va < 1000` is fine; `daya_listrik_va == 1000` can never hold
            self._check_domain(left, right)
            self._check_domain(right, left)
        return left, right

    def _as_date(self, node: _Node) -> _Node:
        if node.type == "date":
            return node
        if node.op != "lit":
            raise self.error(
                "JENIS_TIDAK_COCOK",
                node.start,
                f"Tanggal hanya bisa dibandingkan dengan tanggal; {self.describe(node)}",
            )
        try:
            value = (
                dt.date.fromisoformat(node.value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.value) else None
            )
        except ValueError:
            value = None
        if value is None:
            raise self.error(
                "NILAI_TIDAK_DIKENAL",
                node.start,
                f"'{node.value}' bukan tanggal",
                'Tulis tanggal sebagai "TTTT-BB-HH", mis. "2010-07-01".',
            )
        return _Node("lit", node.start, node.end, "date", value=value)

    def _check_domain(self, named: _Node, literal: _Node) -> None:
        """A literal compared with an attribute must be one of the attribute's possible values."""
        attr = named.attr
        if named.op != "name" or attr is None or literal.op != "lit":
            return
        value = literal.value
        label = (
            f"{attr.name} ({attr.label})" if attr.label.lower() != attr.name.replace("_", " ") else attr.name
        )
        if attr.allowed:
            allowed: list[Any] = list(attr.allowed)
            if attr.optional and attr.type == "str":
                allowed.append("")
            if value not in allowed:
                shown = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in allowed)
                shown = shown.replace('""', '"" (kosong)')
                close = _suggest(str(value), [str(v) for v in attr.allowed]) if isinstance(value, str) else []
                hint = f"Nilai yang boleh: {shown}."
                if close:
                    hint += " Mungkin maksud Anda: " + ", ".join(f'"{c}"' for c in close)
                literal_text = f'"{value}"' if isinstance(value, str) else str(value)
                raise self.error(
                    "NILAI_TIDAK_DIKENAL",
                    literal.start,
                    f"Nilai {literal_text} tidak dikenal untuk {label}",
                    hint,
                )
        if (
            attr.digits is not None
            and isinstance(value, str)
            and value != ""
            and not (value.isdigit() and len(value) == attr.digits)
        ):
            example = "3325012001"[: attr.digits] if attr.digits <= 10 else "3325010101240001"
            raise self.error(
                "NILAI_TIDAK_DIKENAL",
                literal.start,
                f'{label} berisi {attr.digits} angka, bukan "{value}"',
                f'Contoh: "{example}".',
            )
        if attr.value_range is not None and isinstance(value, int | float):
            low, high = attr.value_range
            if not low <= value <= high:
                raise self.error(
                    "NILAI_TIDAK_DIKENAL",
                    literal.start,
                    f"{label} bernilai {low} sampai {high}, bukan {value}",
                )

    # arithmetic

    def _check_arith(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        left = self.check(kids[0], aggregate)
        op = str(kids[1])
        right = self.check(kids[2], aggregate)
        for side in (left, right):
            if side.type not in NUMERIC:
                raise self.error(
                    "OPERASI_TIDAK_SAH",
                    _span(kids[1])[0],
                    f"Operasi '{op}' hanya untuk angka; {self.describe(side)}",
                )
        if op in ("/", "//") and right.op == "lit" and right.value == 0:
            raise self.error("PEMBAGIAN_NOL", right.start, "Pembagian dengan nol")
        result: NodeType = "int" if op != "/" and left.type == right.type == "int" else "dec"
        return _Node("arith", start, end, result, (left, right), value=op)

    def _check_neg(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        operand = self.check(kids[1], aggregate)
        if operand.type not in NUMERIC:
            raise self.error(
                "OPERASI_TIDAK_SAH", start, f"Tanda minus hanya untuk angka; {self.describe(operand)}"
            )
        return _Node("neg", start, end, operand.type, (operand,))

    # calls and lists

    def _check_list(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        raise self.error(
            "DAFTAR_TIDAK_SAH", start, "Daftar [...] hanya boleh dipakai setelah 'in' atau 'not in'"
        )

    def _check_call(self, item: Tree, kids: list, start: int, end: int, aggregate: str | None) -> _Node:
        name_tok = kids[0]
        name = str(name_tok)
        args = _args_of(kids[2] if len(kids) == 4 else None)
        if name in AGGREGATES:
            if aggregate is not None:
                raise self.error(
                    "AGREGAT_BERSARANG", start, f"{name}(...) tidak boleh berada di dalam {aggregate}(...)"
                )
            if len(args) != 1:
                raise self.error(
                    "JUMLAH_ARGUMEN",
                    start,
                    f"{name}(...) memerlukan tepat 1 argumen, bukan {len(args)}",
                    f"Contoh: {name}(umur >= 70).",
                )
            inner = self.check(args[0], name)
            if name == "sum_members":
                if inner.type not in NUMERIC:
                    raise self.error(
                        "JENIS_TIDAK_COCOK",
                        inner.start,
                        f"Isi sum_members(...) harus angka; {self.describe(inner)}",
                    )
                result: NodeType = inner.type
            else:
                if inner.type != "bool":
                    raise self.error(
                        "JENIS_TIDAK_COCOK",
                        inner.start,
                        f"Isi {name}(...) harus kondisi ya/tidak tentang anggota; {self.describe(inner)}",
                        f"Contoh: {name}(umur >= 70).",
                    )
                result = "int" if name == "count_members" else "bool"
            return _Node("agg", start, end, result, (inner,), value=name)
        if name in ("min", "max"):
            if len(args) < 2:
                raise self.error("JUMLAH_ARGUMEN", start, f"{name}(...) memerlukan paling sedikit 2 argumen")
            nodes = tuple(self.check(a, aggregate) for a in args)
            for n in nodes:
                if n.type not in NUMERIC:
                    raise self.error(
                        "OPERASI_TIDAK_SAH", n.start, f"{name}(...) hanya untuk angka; {self.describe(n)}"
                    )
            result = "int" if all(n.type == "int" for n in nodes) else "dec"
            return _Node("minmax", start, end, result, nodes, value=name)
        if name in _ALL_NAMES:
            raise self.error(
                "BUKAN_FUNGSI",
                start,
                f"'{name}' bukan fungsi",
                f"Fungsi yang tersedia: {', '.join(FUNCTIONS)}.",
            )
        close = _suggest(name, FUNCTIONS)
        hint = f"Mungkin maksud Anda: {', '.join(close)}. " if close else ""
        raise self.error(
            "FUNGSI_TIDAK_DIKENAL",
            start,
            f"Fungsi '{name}' tidak dikenal",
            f"{hint}Fungsi yang tersedia: {', '.join(FUNCTIONS)}.",
        )


# --- lowering to Polars ----------------------------------------------------------------------------------

_POLARS_TYPE: dict[str, Any] = {
    "bool": pl.Boolean,
    "int": pl.Int64,
    "dec": pl.Float64,
    "str": pl.String,
    "date": pl.Date,
}
_AGG_DEFAULT: dict[str, Any] = {
    "any_member": False,
    "all_members": True,
    "count_members": 0,
    "sum_members": 0,
}
_JUMLAH = "jumlah_anggota"


def _canon(node: _Node) -> str:
    """The expression fully parenthesised: equal strings mean equal expressions."""
    a = node.args
    if node.op == "lit":
        v = node.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, dt.date):
            return f'"{v.isoformat()}"'
        return repr(v)
    if node.op == "name":
        return str(node.value)
    if node.op == "list":
        return "[" + ", ".join(_canon(x) for x in a) + "]"
    if node.op == "not":
        return f"(not {_canon(a[0])})"
    if node.op == "neg":
        return f"(-{_canon(a[0])})"
    if node.op in ("and", "or"):
        return f"({_canon(a[0])} {node.op} {_canon(a[1])})"
    if node.op in ("cmp", "in", "arith"):
        return f"({_canon(a[0])} {node.value} {_canon(a[1])})"
    return f"{node.value}(" + ", ".join(_canon(x) for x in a) + ")"  # agg, minmax


def _walk(node: _Node) -> Iterable[_Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))


class _Lowering:
    """Turns checked expressions into Polars expressions; collects the member aggregates they need."""

    def __init__(self, rule: CompiledRule, context: Mapping[str, Any]):
        self.rule = rule
        self.context = context
        self.aggregates: dict[str, tuple[str, pl.Expr, Any]] = {}  # canon -> (column, agg expr, fill value)

    def aggregate(self, key: str, expr: pl.Expr, fill: Any) -> pl.Expr:
        if key not in self.aggregates:
            self.aggregates[key] = (f"__agg{len(self.aggregates)}", expr, fill)
        return pl.col(self.aggregates[key][0])

    def lower(self, node: _Node) -> pl.Expr:
        op, a = node.op, node.args
        if op == "lit":
            return pl.lit(node.value, dtype=_POLARS_TYPE[node.type])
        if op == "name":
            attr = node.attr
            assert attr is not None
            if attr.level == "konteks":
                return pl.lit(self.rule._context_value(node.value, self.context), dtype=pl.Int64)
            if node.value == _JUMLAH and _JUMLAH not in self.rule._household_in_aggregate:
                # Counted in the same group_by as the rule's aggregates.
                return self.aggregate(_JUMLAH, (~pl.col("meninggal")).sum().cast(pl.Int64), 0)
            return pl.col(node.value)
        if op == "not":
            return ~self.lower(a[0])
        if op == "and":
            return self.lower(a[0]) & self.lower(a[1])
        if op == "or":
            return self.lower(a[0]) | self.lower(a[1])
        if op == "neg":
            return -self.lower(a[0])
        if op == "cmp":
            left, right = self.lower(a[0]), self.lower(a[1])
            result = {
                "==": left.eq(right),
                "!=": left.ne(right),
                "<": left.lt(right),
                "<=": left.le(right),
                ">": left.gt(right),
                ">=": left.ge(right),
            }[node.value]
            return result.fill_null(False)  # a comparison with a missing value is false
        if op == "in":
            return self._lower_in(node)
        if op == "arith":
            return self._lower_arith(node)
        if op == "minmax":
            parts = [self.lower(x) for x in a]
            if node.type == "dec":
                parts = [p.cast(pl.Float64) for p in parts]
            any_missing = pl.any_horizontal([p.is_null() for p in parts])
            combined = pl.min_horizontal(parts) if node.value == "min" else pl.max_horizontal(parts)
            return pl.when(any_missing).then(pl.lit(None, dtype=_POLARS_TYPE[node.type])).otherwise(combined)
        if op == "agg":
            return self._lower_aggregate(node)
        raise AssertionError(f"unknown node {op}")

    def _lower_in(self, node: _Node) -> pl.Expr:
        left_node, values = node.args
        left = self.lower(left_node)
        items = [v.value for v in values.args]
        dtype = _POLARS_TYPE[left_node.type]
        if left_node.type in NUMERIC and (
            left_node.type == "dec" or any(v.type == "dec" for v in values.args)
        ):
            dtype = pl.Float64
            left = left.cast(pl.Float64)
            items = [float(v) for v in items]
        member = left.is_in(pl.Series(items, dtype=dtype).implode())
        if node.value == "not in":
            member = ~member
        return member.fill_null(False)

    def _lower_arith(self, node: _Node) -> pl.Expr:
        op = node.value
        left, right = self.lower(node.args[0]), self.lower(node.args[1])
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        nonzero = right.ne(0)
        if op == "/":
            return pl.when(nonzero).then(left.cast(pl.Float64) / right.cast(pl.Float64))
        # "//": floor division; Python's -7 // 2 == -4
        if node.type == "int":
            return pl.when(nonzero).then(left.floordiv(right))
        return pl.when(nonzero).then((left.cast(pl.Float64) / right.cast(pl.Float64)).floor())

    def _lower_aggregate(self, node: _Node) -> pl.Expr:
        func = node.value
        inner = self.lower(node.args[0])
        per_member = any(
            n.op == "name" and n.attr is not None and n.attr.level != "konteks" for n in _walk(node.args[0])
        )
        if not per_member:
            # Only literals and context values: the same value for every member. Computed per household from
            # the number of member rows (an aggregate of a scalar inside group_by would not broadcast).
            rows = self.aggregate("__rows", pl.len().cast(pl.Int64), 0)
            if func == "any_member":
                return inner & (rows > 0)
            if func == "all_members":
                return inner | (rows == 0)
            if func == "count_members":
                return pl.when(inner).then(rows).otherwise(0).cast(pl.Int64)
            return (inner * rows).fill_null(0).cast(_POLARS_TYPE[node.type])
        if func == "any_member":
            expr = inner.any()
        elif func == "all_members":
            expr = inner.all()
        elif func == "count_members":
            expr = inner.sum().cast(pl.Int64)
        else:
            expr = inner.sum().cast(_POLARS_TYPE[node.type])
        return self.aggregate(_canon(node), expr, _AGG_DEFAULT[func])


# --- frame preparation ------------------------------------------------------------------------------------


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _normalised(name: str, type_: ValueType, dtype: Any) -> pl.Expr:
    """The column `name` of any reasonable input dtype as the vocabulary's type (see the module docstring)."""
    col = pl.col(name)
    is_text = dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum | pl.Categorical)
    if type_ == "bool":
        if dtype == pl.Boolean:
            out = col
        elif dtype.is_numeric():
            out = col.eq(1)
        elif is_text:
            out = col.cast(pl.String).str.strip_chars().str.to_lowercase().is_in(["1", "true", "ya"])
        else:
            out = col.cast(pl.Boolean)
        return out.fill_null(False).alias(name)
    if type_ in NUMERIC:
        target = _POLARS_TYPE[type_]
        if is_text:
            return col.cast(pl.String).str.strip_chars().cast(target, strict=False).alias(name)
        return col.cast(target).alias(name)
    if type_ == "date":
        if is_text:
            return col.cast(pl.String).str.to_date("%Y-%m-%d", strict=False).alias(name)
        if isinstance(dtype, pl.Datetime):
            return col.dt.date().alias(name)
        return col.cast(pl.Date).alias(name)
    return col.cast(pl.String).fill_null("").alias(name)


def _age_at(born: pl.Expr, at: dt.date) -> pl.Expr:
    """Completed years at `at` (same rule as programs/batch/entitlements.age_at)."""
    at_md = at.month * 100 + at.day
    born_md = born.dt.month().cast(pl.Int64) * 100 + born.dt.day().cast(pl.Int64)
    return (pl.lit(at.year, dtype=pl.Int64) - born.dt.year().cast(pl.Int64)) - (born_md > at_md).cast(
        pl.Int64
    )


def _missing_column(frame: str, name: str) -> ValueError:
    return ValueError(f"Tabel {frame} tidak punya kolom '{name}' yang dipakai aturan")


def _household_column(name: str, columns: Mapping[str, Any]) -> pl.Expr:
    attr = HOUSEHOLD_ATTRIBUTES[name]
    if name in ("kode_provinsi", "kode_kabupaten", "kode_kecamatan") and "kode_wilayah" in columns:
        assert attr.digits is not None
        wilayah = _normalised("kode_wilayah", "str", columns["kode_wilayah"])
        return wilayah.str.slice(0, attr.digits).alias(name)
    if name == "punya_rekening" and "bank" in columns:
        has = _normalised("bank", "str", columns["bank"]).str.strip_chars() != ""
        if "no_rekening" in columns:
            has = has & (_normalised("no_rekening", "str", columns["no_rekening"]).str.strip_chars() != "")
        return has.alias(name)
    if name not in columns:
        raise _missing_column("keluarga", name)
    return _normalised(name, attr.type, columns[name])


def _member_column(name: str, columns: Mapping[str, Any], tanggal_acuan: dt.date | None) -> pl.Expr:
    attr = MEMBER_ATTRIBUTES[name]
    if name == "umur" and "tanggal_lahir" in columns:
        if tanggal_acuan is None:
            raise ValueError("context['tanggal_acuan'] diperlukan untuk menghitung umur")
        born = _normalised("tanggal_lahir", "date", columns["tanggal_lahir"])
        return _age_at(born, tanggal_acuan).alias(name)
    if name not in columns:
        raise _missing_column("anggota", name)
    return _normalised(name, attr.type, columns[name])


# --- compiled rules ----------------------------------------------------------------------------------------


class Conjunct(NamedTuple):
    number: int  # position among the rule's top-level conditions (0-based)
    text: str  # the rule's text of the condition, e.g. "desil <= 4"
    canonical: str  # fully parenthesised form, e.g. "(desil <= 4)"


class ExplainItem(NamedTuple):
    condition: str  # the rule's text of the condition, e.g. "desil <= 4"
    values: str  # what the household's data gives, e.g. "desil = 5"
    truth: bool | None  # the condition's value (None for the single item of an amount formula)


def _show(value: Any) -> str:
    if value is None or value == "":
        return "kosong"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


class CompiledRule:
    """A checked rule, ready to evaluate on frames. Build it with `compile_rule`."""

    def __init__(self, text: str, kind: RuleKind, root: _Node, checker: _Checker):
        self.text = text
        self.kind: RuleKind = kind
        self._root = root
        self.result_type: ValueType = root.type  # type: ignore[assignment]
        self.names_used: frozenset[str] = frozenset(checker.used)
        self._household_in_aggregate = frozenset(checker.household_in_aggregate)
        self._first_use = dict(checker.first_use)
        self.context_names = frozenset(n for n, a in checker.used.items() if a.level == "konteks")
        self.household_names = frozenset(n for n, a in checker.used.items() if a.level == "keluarga")
        self.member_names = frozenset(n for n, a in checker.used.items() if a.level == "anggota")
        self.canonical = _canon(root)
        base_h: set[str] = set()
        base_m: set[str] = set()
        for name in self.household_names:
            attr = HOUSEHOLD_ATTRIBUTES[name]
            if attr.member_sources:
                base_m.update(attr.member_sources)
            else:
                base_h.update(attr.sources or (name,))
        for name in self.member_names:
            base_m.update(MEMBER_ATTRIBUTES[name].sources or (name,))
        self.household_columns = frozenset(base_h)
        self.member_columns = frozenset(base_m)
        self._uses_members = bool(base_m) or any(n.op == "agg" for n in _walk(root))

    def __repr__(self) -> str:
        return f"CompiledRule({self.text!r}, kind={self.kind!r})"

    @property
    def result_column(self) -> str:
        return "eligible" if self.kind == "eligibility" else "amount"

    # evaluation

    def _context_value(self, name: str, context: Mapping[str, Any]) -> int:
        value = context.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            attr = CONTEXT_ATTRIBUTES[name]
            raise _rule_error(
                self.text,
                "KONTEKS_TIDAK_ADA",
                self._first_use.get(name, 0),
                f"Nilai '{name}' ({attr.label}) tidak diberikan untuk siklus ini",
            )
        return value

    def _assemble(
        self,
        lowering: _Lowering,
        households: pl.DataFrame | pl.LazyFrame,
        members: pl.DataFrame | pl.LazyFrame | None,
        context: Mapping[str, Any],
    ) -> pl.LazyFrame:
        """The households frame with every column that the lowered expressions read (aggregates included)."""
        hh = _lazy(households)
        h_columns = hh.collect_schema()
        if "household_id" not in h_columns:
            raise _missing_column("keluarga", "household_id")
        jumlah_first = _JUMLAH in self._household_in_aggregate
        h_names = sorted(n for n in self.household_names if n != _JUMLAH)
        hh = hh.select(pl.col("household_id"), *(_household_column(n, h_columns) for n in h_names))
        if not (lowering.aggregates or jumlah_first):
            return hh
        if members is None:
            raise ValueError("Aturan ini memakai data anggota: tabel anggota wajib diberikan")
        mm = _lazy(members)
        m_columns = mm.collect_schema()
        if "household_id" not in m_columns:
            raise _missing_column("anggota", "household_id")
        acuan = context.get("tanggal_acuan")
        if isinstance(acuan, str):
            acuan = dt.date.fromisoformat(acuan)
        if isinstance(acuan, dt.datetime):
            acuan = acuan.date()
        m_names = set(self.member_names)
        if _JUMLAH in self.household_names:
            m_names.add("meninggal")
        mm = mm.select(
            pl.col("household_id").cast(h_columns["household_id"]),
            *(_member_column(n, m_columns, acuan) for n in sorted(m_names)),
        )
        if jumlah_first:
            # jumlah_anggota is read inside an aggregate: count it before and hand it to every member row.
            counted = mm.group_by("household_id").agg(
                (~pl.col("meninggal")).sum().cast(pl.Int64).alias(_JUMLAH)
            )
            hh = hh.join(counted, on="household_id", how="left", maintain_order="left").with_columns(
                pl.col(_JUMLAH).fill_null(0)
            )
        if self._household_in_aggregate:
            mm = mm.join(
                hh.select("household_id", *sorted(self._household_in_aggregate)),
                on="household_id",
                how="inner",
            )
        if not lowering.aggregates:
            return hh
        grouped = mm.group_by("household_id").agg(
            [expr.alias(col) for col, expr, _ in lowering.aggregates.values()]
        )
        return hh.join(grouped, on="household_id", how="left", maintain_order="left").with_columns(
            pl.col(col).fill_null(fill) for col, _, fill in lowering.aggregates.values()
        )

    def lazy(
        self,
        households: pl.DataFrame | pl.LazyFrame,
        members: pl.DataFrame | pl.LazyFrame | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> pl.LazyFrame:
        """`household_id` and the result column, as a LazyFrame (see `evaluate`)."""
        context = context or {}
        lowering = _Lowering(self, context)
        result = lowering.lower(self._root)
        if self.kind == "amount":
            result = result.cast(pl.Int64)
        frame = self._assemble(lowering, households, members, context)
        return frame.select("household_id", result.alias(self.result_column))

    def evaluate(
        self,
        households: pl.DataFrame | pl.LazyFrame,
        members: pl.DataFrame | pl.LazyFrame | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> pl.DataFrame:
        """One row per household, in the order of `households`: `household_id` and `eligible` or `amount`."""
        return self.lazy(households, members, context).collect()

    # conjuncts: the conditions that `and` joins at the top of the rule

    def conjuncts(self) -> list[Conjunct]:
        """The rule's top-level conditions joined by `and`, in text order (the whole rule when it is not an `and`).

        Every one of them must hold for the rule to hold, so each false one is a reason on its own
        (programs/batch/entitlements.py maps them to decision reasons).
        """
        out: list[Conjunct] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.op == "and":
                stack.extend(reversed(node.args))
            else:
                text = _without_outer_parens(self.text[node.start : node.end])
                out.append(Conjunct(len(out), text, _canon(node)))
        return out

    def _conjunct_nodes(self) -> list[_Node]:
        nodes: list[_Node] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.op == "and":
                stack.extend(reversed(node.args))
            else:
                nodes.append(node)
        return nodes

    def conjuncts_lazy(
        self,
        indexes: Sequence[int],
        households: pl.DataFrame | pl.LazyFrame,
        members: pl.DataFrame | pl.LazyFrame | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> pl.LazyFrame:
        """`household_id` and one Boolean column `c<i>` per conjunct index, evaluated in one pass (one group_by).

        The frames must carry every column the whole rule reads (`household_columns`, `member_columns`).
        """
        if self.kind != "eligibility":
            raise ValueError("conjuncts_lazy is for eligibility rules")
        context = context or {}
        nodes = self._conjunct_nodes()
        lowering = _Lowering(self, context)
        exprs = [lowering.lower(nodes[i]).fill_null(False).alias(f"c{i}") for i in indexes]
        frame = self._assemble(lowering, households, members, context)
        return frame.select("household_id", *exprs)

    # explanation

    def _atoms(self) -> list[_Node]:
        atoms: list[_Node] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.op == "not" and node.args[0].op not in ("and", "or", "not"):
                atoms.append(node)  # "not any_member(...)" reads as one condition that must hold
            elif node.op in ("and", "or", "not"):
                stack.extend(reversed(node.args))
            else:
                atoms.append(node)
        return atoms

    def explain(
        self,
        household: Mapping[str, Any],
        members: Sequence[Mapping[str, Any]] | pl.DataFrame = (),
        context: Mapping[str, Any] | None = None,
    ) -> list[ExplainItem]:
        """Why one household gets its result: each atomic condition with the values it read and its truth."""
        context = context or {}
        # Only the columns the rule reads: a caller may pass a whole record with values Polars cannot hold.
        h_keys = self.household_columns | self.household_names
        m_keys = self.member_columns | self.member_names
        hh = pl.DataFrame(
            [{**{k: v for k, v in household.items() if k in h_keys}, "household_id": 0}],
            infer_schema_length=None,
        )
        if isinstance(members, pl.DataFrame):
            mm = members.select(pl.col(c) for c in members.columns if c in m_keys).with_columns(
                pl.lit(0, dtype=pl.Int64).alias("household_id")
            )
        elif members:
            rows = [{**{k: v for k, v in m.items() if k in m_keys}, "household_id": 0} for m in members]
            mm = pl.DataFrame(rows, infer_schema_length=None)
        else:
            schema_: dict[str, Any] = {"household_id": pl.Int64}
            for name in self.member_columns:
                attr = MEMBER_ATTRIBUTES[name]
                schema_[name] = _POLARS_TYPE[attr.type]
            mm = pl.DataFrame(schema=schema_)
        lowering = _Lowering(self, context)
        columns: list[pl.Expr] = []
        plans: list[
            tuple[_Node, list[tuple[str, str]], str | None]
        ] = []  # atom, [(shown text, column)], counts
        atoms = [self._root] if self.kind == "amount" else self._atoms()
        for i, atom in enumerate(atoms):
            shown: list[_Node] = []
            counts = None
            if self.kind == "amount":
                shown = _leaves(atom)
            elif atom.op in ("cmp", "in"):
                shown = [side for side in atom.args if side.op not in ("lit", "list")]
            elif atom.op == "name":
                shown = [atom]
            elif atom.op == "not" and atom.args[0].op in ("cmp", "in"):
                shown = [side for side in atom.args[0].args if side.op not in ("lit", "list")]
            elif atom.op == "not" and atom.args[0].op == "name":
                shown = [atom.args[0]]
            elif atom.op == "agg" or (atom.op == "not" and atom.args[0].op == "agg"):
                inner = (atom if atom.op == "agg" else atom.args[0]).args[0]
                true = _Node("lit", 0, 0, "bool", value=True)
                hits = _Node("agg", 0, 0, "int", (inner,), value="count_members")
                total = _Node("agg", 0, 0, "int", (true,), value="count_members")
                columns += [lowering.lower(hits).alias(f"__c{i}"), lowering.lower(total).alias(f"__n{i}")]
                counts = f"{i}"
            columns.append(lowering.lower(atom).alias(f"__t{i}"))
            refs = []
            for j, side in enumerate(shown):
                columns.append(lowering.lower(side).alias(f"__v{i}_{j}"))
                refs.append((self.text[side.start : side.end], f"__v{i}_{j}"))
            plans.append((atom, refs, counts))
        row = self._assemble(lowering, hh, mm, context).select(columns).collect().row(0, named=True)
        items = []
        for i, (atom, refs, counts) in enumerate(plans):
            parts = [f"{text} = {_show(row[col])}" for text, col in refs]
            if counts is not None:
                parts.append(f"{row[f'__c{counts}']} dari {row[f'__n{counts}']} anggota memenuhi")
            values = ", ".join(dict.fromkeys(parts))
            condition = _without_outer_parens(self.text[atom.start : atom.end])
            if self.kind == "amount":
                result = row[f"__t{i}"]
                shown_result = _show(int(result) if isinstance(result, float) else result)
                values = f"{values}; hasil = {shown_result}" if values else f"hasil = {shown_result}"
                items.append(ExplainItem(condition, values, None))
            else:
                items.append(ExplainItem(condition, values, bool(row[f"__t{i}"])))
        return items


def _without_outer_parens(text: str) -> str:
    """'(desil <= 4)' -> 'desil <= 4' when the first parenthesis closes at the very end."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        in_text = False
        for i, char in enumerate(text):
            if char == '"':
                in_text = not in_text
            elif not in_text and char == "(":
                depth += 1
            elif not in_text and char == ")":
                depth -= 1
                if depth == 0 and i < len(text) - 1:
                    return text
        text = text[1:-1].strip()
    return text


def _leaves(node: _Node) -> list[_Node]:
    """Names and aggregates of an expression, in text order (an aggregate is one leaf)."""
    out: list[_Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op in ("name", "agg"):
            out.append(n)
        else:
            stack.extend(reversed(n.args))
    return out


@functools.lru_cache(maxsize=256)
def compile_rule(text: str, kind: RuleKind = "eligibility") -> CompiledRule:
    """Parse, check and compile a rule; raises RuleError with an Indonesian message and its position."""
    if kind not in ("eligibility", "amount"):
        raise ValueError(f"kind must be 'eligibility' or 'amount', not {kind!r}")
    if not isinstance(text, str):
        raise TypeError("rule text must be a string")
    if len(text) > MAX_RULE_LENGTH:
        raise _rule_error(
            text,
            "ATURAN_TERLALU_PANJANG",
            MAX_RULE_LENGTH,
            f"Aturan terlalu panjang ({len(text)} karakter; paling banyak {MAX_RULE_LENGTH})",
        )
    if not text.strip():
        raise _rule_error(text, "ATURAN_KOSONG", 0, "Aturan kosong")
    tokens = _lex(text)
    _check_brackets(text, tokens)
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, tokens, exc) from None
    if _tree_depth(tree) > MAX_DEPTH:
        raise _rule_error(
            text,
            "TERLALU_DALAM",
            0,
            f"Aturan terlalu rumit atau bersarang terlalu dalam (paling banyak {MAX_DEPTH} tingkat)",
        )
    checker = _Checker(text)
    root = checker.check(tree, None)
    if kind == "eligibility" and root.type != "bool":
        raise _rule_error(
            text,
            "HASIL_BUKAN_KONDISI",
            root.start,
            f"Aturan kelayakan harus berupa kondisi ya/tidak; {checker.describe(root)}",
            "Contoh: desil <= 4.",
        )
    if kind == "amount":
        if root.type == "dec":
            raise _rule_error(
                text,
                "HASIL_BUKAN_BULAT",
                root.start,
                "Rumus nominal harus menghasilkan rupiah bulat, tetapi hasilnya bisa pecahan",
                "Pakai // untuk pembagian bulat, mis. 2400000 * bulan // 12.",
            )
        if root.type != "int":
            raise _rule_error(
                text,
                "HASIL_BUKAN_ANGKA",
                root.start,
                f"Rumus nominal harus menghasilkan angka rupiah; {checker.describe(root)}",
                "Contoh: 200000 * bulan.",
            )
    return CompiledRule(text, kind, root, checker)
