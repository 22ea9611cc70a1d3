"""Grades, classes and stages as constraints: "peripheral neuropathy ≥ CTCAE grade 2", "grade 3
or 4 adverse event", "acute GVHD of grade 2 or above", "NYHA class III or IV heart failure",
"Child-Pugh class B or C", "stage III or IV".

A grade is read from the criterion text (roman numerals are not VALUE entities), with the
COMPARATOR entities masked so that their spellings come from the comparator rules:

    [comparator] [system [version]] keyword [of] [comparator] numerals [postfix] [(system [version])]

``numerals`` is one numeral, a range ("II-IV", "3 to 4") or a list ("1, 2 or 3", "3/4"), read
through ``numerals`` (and a system's ``letters``: Child-Pugh A/B/C → 1/2/3) of
``configs/grades.json``; a numeral with a sub-stage letter ("IIIB", "1a", "IIIC1") is read as its
numeral (stage 3) after a keyword with ``substages`` (stage) and not read after any other, and no
grade is read when a range or list goes on to one it cannot read ("grade II-IIIA"). A keyword that is not
``standalone`` ("class") needs a system; a system with ``keyword_optional`` needs no keyword
("NYHA III-IV"). A grade right after a SCORE entity that is not a system of its own ("ECOG grade
0-1") is left to the score.

The constraint has category ``grade``, unit ``{grade}``. Its subject is the system as written
when the system ``names_subject`` (a classification of the patient: "*ASA* physical status I-II",
"*NYHA* class III"); else the graded condition: the words right after the grade when it stands
before them ("stage 4 *fibrosis*"), else the phrase before it across ``subject_links`` ("*GVHD* of
grade 2", "*fibrosis* (stage 1-3)"), named by a CONDITION or MEASUREMENT entity inside it when
there is one; else the system's ``subject``; else ``subject_fallback`` (null: no constraint).
The phrase after the grade is no subject when it names a grade or a system itself
(``not_subject_words``: "stages III and IV *grades A-B*"); without a condition entity in it, it
takes a coordination after it whole ("stage I-III *colorectal, lung, or liver cancer*"). A
keyword that needs a system takes the one whose ``subject`` the condition after it names ("class
IV congestive heart failure": NYHA); a grade with no system takes a ``names_subject`` system
written beside it in the clause (``system_links``, ``system_reach``: "Stage 3 on the Hoehn & Yahr
Classification").
A keyword that needs a system also takes the one the condition right before it names
("congestive heart failure class III/IV"). Before a bracketed grade, a phrase of
``severity_words`` only ("severe (grade 3 or 4) allergic reactions") passes the subject to the
phrase after the bracket. A comparator after the numerals that bounds nothing ("grade 2 *from*
prior therapy", a range's "from") ends the grade before it. Degrees (``degrees``): "second or
third degree heart block", an ordinal before its word and a head ("block") within a few words;
two alternatives of one block in one clause are one range.
Digits right after a SCORE entity's name ("ASA 1-3") are left to the score. Bounds: one numeral with a
comparator bounds one side ("grade 2 or above" → lower 2 inclusive), without one it is exact; a
range or list gives both ("grade 3 or 4" → lower 3, upper 4).
"""

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.bounds import CONTEXT_FLAGS
from pipeline.components.constraints.phrases import leading_phrase, phrase_record, words_after, words_before
from pipeline.components.prefilter import Substrings, WordStarts

CATEGORY = "grade"
UNIT = "{grade}"
BOUND_OPS = (">=", ">", "<=", "<", "=")
#: the character COMPARATOR entities are masked with before the grade pattern runs
MASK = "\x01"
#: a bracketed short form after a system's long name: "New York Heart Association *(NYHA)*"
ALIAS = re.compile(r"\s*[(\[]\s*([^()\[\]]+?)\s*[)\]]")
#: a bracketed remark without digits right after a grade, before the condition it grades
REMARK = re.compile(r"[ \t]*[(\[][^()\[\]\d\n]{1,60}[)\]](?=[ \t]*[^\W\d_])")
#: labels that can be the graded condition
SUBJECT_LABELS = ("CONDITION", "MEASUREMENT")


def _alternatives(words: Sequence[str]) -> str:
    """A regex alternation of ``words`` (longest first; inner spaces match any whitespace)."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in parts)


def _names(names: Sequence[str]) -> str:
    """System names: short ones (up to 4 characters) as written, longer ones in any case."""
    short = [n for n in names if len(n) <= 4]
    long = [n for n in names if len(n) > 4]
    alts = []
    if long:
        alts.append(f"(?i:{_alternatives(long)})")
    if short:
        alts.append(_alternatives(short))
    return "|".join(alts)


@dataclass
class GradeRules:
    """``configs/grades.json`` as the reader uses it (``data`` is the file's content)."""
    data: dict

    def __post_init__(self):
        d = self.data
        self.keywords = d.get("keywords", [])
        self.systems = d.get("systems", [])
        self.numerals: Dict[str, int] = dict(d.get("numerals", {}))
        self.letters = {k for s in self.systems for k in (s.get("letters") or {})}
        self.postfix = [(p["id"], p["op"], p["words"]) for p in d.get("postfix_words", [])]
        self.links = frozenset(w.lower() for w in d.get("subject_links", []))
        self.stops = frozenset(w.lower() for w in d.get("subject_stops", []))
        self.max_words = int(d.get("subject_max_words", 4))
        self.coordinators = frozenset(w.lower() for w in d.get("subject_coordinators", []))
        self.coordination_max = int(d.get("subject_coordination_max", 0))
        self.not_subject_words = frozenset(w.lower() for w in d.get("not_subject_words", []))
        self.system_links = frozenset(w.lower() for w in d.get("system_links", []))
        self.system_reach = int(d.get("system_reach", 0))
        self.keyword_at = re.compile(
            "(?i:" + _alternatives([w for k in self.keywords for w in k["words"]]) + r")(?![\w-])")
        self.standalone_at = re.compile(r"(?<![\w-])(?i:" + _alternatives(
            [w for k in self.keywords if k.get("standalone", True) for w in k["words"]]) + r")(?![\w-])")
        names = [n for sy in self.systems for n in sy["names"]]
        self.system_at = re.compile(f"(?:{_names(names)})(?![\\w-])") if names else None
        self.fallback = d.get("subject_fallback")
        self.severity_words = frozenset(w.lower() for w in d.get("severity_words", []))
        self.after_links = frozenset(w.lower() for w in d.get("subject_after_links", []))
        self.graded_heads = frozenset(w.lower() for w in d.get("graded_heads", []))
        self.graded_head_links = frozenset(w.lower() for w in d.get("graded_head_links", []))
        self.recovery_words = frozenset(w.lower() for w in d.get("recovery_words", []))
        self.graded_head_determiners = frozenset(w.lower() for w in d.get("graded_head_determiners", []))
        subs = sorted({x for k in self.keywords for x in k.get("substages", ())})
        #: a numeral token with a sub-stage letter and digit ("IIIB", "1a2"): group 1 the numeral
        self.substage_at = re.compile(f"(.+?)(?i:{_alternatives(subs)})[1-9]?") if subs else None
        self.degrees = d.get("degrees") or None
        self.degree_pattern = self._degree_pattern(d) if self.degrees else None
        self.pattern = self._pattern(d) if self.keywords and self.numerals else None
        # a grade needs a keyword or a system: a criterion whose lower-cased text contains none of
        # their first words is skipped (substring tests, instead of the grade pattern at every position)
        cues = [w for k in self.keywords for w in k["words"]] + [n for s in self.systems for n in s["names"]] \
            + list((self.degrees or {}).get("words", []))
        self.cues = tuple(sorted({c.split()[0].lower() for c in cues if c.split()}))
        self.cue_search = Substrings(self.cues) if self.cues else None
        degree_words = list((self.degrees or {}).get("words", []))
        self.degree_gate = WordStarts(degree_words, (), re.compile(f"(?i:{_alternatives(degree_words)})")) \
            if degree_words else None

    @classmethod
    def from_dict(cls, data: dict) -> "GradeRules":
        return cls(dict(data))

    def to_dict(self) -> dict:
        return dict(self.data)

    def _degree_pattern(self, d: dict) -> "re.Pattern":
        """ordinal [joiner ordinal]* degree-word [postfix]: "second or third degree", "3 grade"."""
        deg = self.degrees
        self.degree_ordinals = {k.lower(): int(v) for k, v in deg["ordinals"].items()}
        self.degree_heads = frozenset(w.lower() for w in deg["heads"])
        self.degree_reach = int(deg.get("head_reach", 4))
        ordinal = "(?:" + _alternatives(list(deg["ordinals"])) + r")(?![\w])(?:-(?=\s))?"  # "second- or third-degree"
        joiner = _alternatives(d.get("list_joiners", []) + d.get("range_joiners", []))
        post_words = _alternatives([w for _, _, ws in self.postfix for w in ws]) or "(?!)"
        return re.compile(
            rf"(?<![\w-])(?i:(?P<nums>{ordinal}(?:\s*(?:{joiner})\s*{ordinal})*)[\s-]+(?:{_alternatives(deg['words'])})"
            rf"(?:\s+(?P<post>{post_words}))?)(?![\w-])")

    def _substage(self) -> str:
        """A sub-stage letter and digit after a numeral ("stage IIIB", "stage 1a2"), allowed only
        where a keyword with ``substages`` matched: a conditional group on each such keyword."""
        expr = "(?!)"
        for i, k in reversed(list(enumerate(self.keywords))):
            if k.get("substages"):
                expr = f"(?(k{i})(?i:{_alternatives(k['substages'])})[1-9]?|{expr})"
        return "" if expr == "(?!)" else f"(?:{expr})?"

    def _pattern(self, d: dict) -> "re.Pattern":
        def sys_alts(prefix: str) -> str:  # the system before the keyword (s0...) or after the numerals (t0...)
            return "|".join(f"(?P<{prefix}{i}>{_names(s['names'])})" for i, s in enumerate(self.systems) if s["names"])
        kw_alts = "|".join(f"(?P<k{i}>(?i:{_alternatives(k['words'])}))" for i, k in enumerate(self.keywords))
        nums = sorted(set(self.numerals) | self.letters, key=len, reverse=True)
        num = "(?:" + "|".join(re.escape(n) for n in nums) + r")" + self._substage() + r"(?![A-Za-z0-9])"
        lists = _alternatives(d.get("list_joiners", []))
        ranges = _alternatives(d.get("range_joiners", []))
        joiner = f"(?:{ranges}|{lists})" if lists and ranges else (ranges or lists or "(?!)")
        numeral_start = "[0-9" + "".join(re.escape(n[0]) for n in nums if not n[0].isdigit()) + "]"
        version = d.get("version") or "(?!)"
        post_words = _alternatives([w for _, _, ws in self.postfix for w in ws]) or "(?!)"
        systems = [s for s in self.systems if s["names"]]
        # the keyword written again inside a list: "grade 3 or *grade* 4 toxicity"
        again = "(?i:" + _alternatives([w for k in self.keywords if k.get("standalone", True) for w in k["words"]]) + ")"
        # a system's name, then its version or its abbreviation in brackets ("New York Heart Association (NYHA)")
        alias = f"\\s*[(\\[]\\s*(?:{_names([n for s in systems for n in s['names']])})\\s*[)\\]]"
        system = f"(?:{sys_alts('s')})(?:\\s*(?:{version})|{alias})?" if systems else "(?!)"
        system2 = f"(?:{sys_alts('t')})(?:\\s*(?:{version}))?" if systems else "(?!)"
        # the pattern matches every number, but reads a grade only after a keyword or a system that
        # needs none: it runs only where one stands so (comparators masked as for the pattern)
        words = [w for k in self.keywords for w in k["words"]]
        optional = [n for s in systems if s.get("keyword_optional") for n in s["names"]]
        lead = f"(?i:{_alternatives(words)})(?:\\s+of)?"
        if optional:
            lead += f"|(?:{_names(optional)})(?:\\s*(?:{version})|{alias})?"
        numeral = "|".join(re.escape(n) for n in nums)
        self.gate = WordStarts([w.split()[0] for w in words] + [n.split()[0] for n in optional if len(n) > 4],
                               [n.split()[0] for n in optional if len(n) <= 4],
                               re.compile(rf"(?:{lead})\s*(?:{MASK}+\s*)?(?:{numeral})"))
        return re.compile(
            rf"(?<![\w-])(?:(?P<pre>{MASK}+)\s*)?"
            rf"(?:(?P<sys>{system})\s*)?"
            rf"(?:(?P<kw>{kw_alts})(?:\s+of)?\s*)?"
            rf"(?:(?P<mid>{MASK}+)\s*)?"
            rf"(?P<nums>{num}(?:\s*(?:{ranges or '(?!)'})\s*{num}|(?:\s*(?:{lists or '(?!)'})\s*(?:{again}\s*)?{num})+)?)"
            rf"(?!\s*{joiner}\s*{numeral_start})"
            rf"(?:\s*(?P<post>{MASK}+|{post_words}))?"
            rf"(?:\s*\(?\s*(?P<sys2>{system2})(?:\s*\))?)?")


@dataclass
class Grade:
    """A grade read from the text: its constraint record, its subject entity (or ``None``) and
    the entities it uses."""
    record: dict
    subject: Optional[int]
    members: List[int]


def _masked(text: str, ents: Sequence[dict]) -> str:
    """``text`` with every COMPARATOR entity written as :data:`MASK` characters (same length)."""
    chars = list(text)
    for e in ents:  # a range sign ("1-3") stays: the range joiners read it
        if e["label"] == "COMPARATOR" and (e.get("attrs") or {}).get("op") != "range":
            chars[e["start"]:e["end"]] = MASK * (e["end"] - e["start"])
    return "".join(chars)


def _which(m: "re.Match", prefix: str) -> Optional[int]:
    """The index of the named alternative (``s3``, ``k0``) that matched."""
    for name, value in m.groupdict().items():
        if value is not None and name[0] == prefix and name[1:].isdigit():
            return int(name[1:])
    return None


def _op_at(ents: Sequence[dict], start: int, end: int, postfix: bool) -> Tuple[Optional[str], List[int]]:
    """The op of the COMPARATOR entities in ``start..end`` (a bound op; a postfix one when
    ``postfix``) and their indices."""
    found = [i for i, e in enumerate(ents) if e["label"] == "COMPARATOR" and start <= e["start"] and e["end"] <= end]
    ops = [(ents[i].get("attrs") or {}).get("op") for i in found]
    ok = [op for i, op in zip(found, ops) if op in BOUND_OPS and
          (not postfix or (ents[i].get("attrs") or {}).get("postfix"))]
    return (ok[0] if len(ok) == 1 else None), found


def _numbers(text: str, rules: GradeRules, system: Optional[dict]) -> Optional[List[int]]:
    """The grades written in ``text`` (the matched numerals), or ``None`` when one is not a
    grade of ``system`` (letters only where the system has them; numbers unless it has none)."""
    letters = (system or {}).get("letters") or {}
    allow_numbers = (system or {}).get("numbers", True)
    out = []
    for tok in re.findall(r"[^\W_]+", text):
        sub = rules.substage_at.fullmatch(tok) if rules.substage_at is not None else None
        if sub and sub.group(1) in rules.numerals and allow_numbers and sub.group(1) not in letters:
            tok = sub.group(1)  # "IIIB": stage III (the sub-stage is not a bound)
        if tok in letters:
            out.append(int(letters[tok]))
        elif tok in rules.numerals and allow_numbers and not (tok in rules.letters and not letters):
            out.append(int(rules.numerals[tok]))
        elif tok in rules.numerals or tok in rules.letters:
            return None
    return out or None


def _bounds(values: List[int], op: Optional[str], many: bool):
    if many:
        return {"value": min(values), "inclusive": True}, {"value": max(values), "inclusive": True}
    v = values[0]
    if op == ">=":
        return {"value": v, "inclusive": True}, None
    if op == ">":
        return {"value": v, "inclusive": False}, None
    if op == "<=":
        return None, {"value": v, "inclusive": True}
    if op == "<":
        return None, {"value": v, "inclusive": False}
    return {"value": v, "inclusive": True}, {"value": v, "inclusive": True}


def _entity_in(ents: Sequence[dict], start: int, end: int, labels: Sequence[str],
               ends_by: Optional[int] = None) -> Optional[int]:
    """The last entity with one of ``labels`` overlapping ``start..end`` (and ending by ``ends_by``
    when given: a shape guess running into the grade, "toxicity NCI CTCAE *Grade*", names none)."""
    found = [i for i, e in enumerate(ents) if e["label"] in labels and e["start"] < end and start < e["end"]
             and (ends_by is None or e["end"] <= ends_by)]
    return found[-1] if found else None


def _subject(text: str, ents: Sequence[dict], start: int, end: int, rules: GradeRules):
    """``(entity index or None, phrase (start, end) or None)`` of the graded condition: the words
    right after the grade when it stands before them ("stage 4 *fibrosis*", "class IV *congestive
    heart failure*"), also across a bracketed remark without digits ("Stage IV (metastatic) *breast
    cancer*"), else the phrase before it, across ``subject_links`` ("*GVHD* of grade 2",
    "*fibrosis* (stage 1-3)"); an entity inside the phrase names it."""
    remark = REMARK.match(text, end)
    # "Stage IV *(metastatic)* breast cancer", "grade 3 *(NCI CTC)* rash": the condition is after it
    at = remark.end() if remark else end
    after_words = words_after(text, at, rules.max_words + rules.coordination_max)
    after = leading_phrase(after_words, rules.stops, rules.max_words)
    if after and not text[at:after[0].start].strip() and not _names_a_grade(text, after[0].start, rules):
        lo, hi = after[0].start, after[-1].end
        named = _entity_in(ents, lo, hi, SUBJECT_LABELS)
        if named is not None:  # "grade 2 or greater peripheral vascular disease, cerebrovascular accident"
            return named, (lo, hi)
        return None, (lo, _coordination_end(after_words, len(after), rules, hi))
    else:
        before_words = words_before(text, start, 2 * rules.max_words + 6)
        k = 0
        while k < len(before_words) and before_words[k].lower in rules.links:
            k += 1
        before = leading_phrase(before_words[k:], rules.stops, rules.max_words)[::-1]
        before = _graded_head(before_words, k + len(before), rules) or before
        if before and before[-1].lower in rules.recovery_words:
            before = []  # "recovery to =< grade 1 from all toxicities": the recovery is no condition
        if before and all(w.lower in rules.severity_words for w in before):
            # "severe (grade 3 or 4) allergic reactions": the condition follows the bracket
            close = re.match(r"\s*[)\]]", text[end:])
            if close:
                following = words_after(text, end + close.end(), rules.max_words + rules.coordination_max)
                behind = leading_phrase(following, rules.stops, rules.max_words)
                if behind and not _names_a_grade(text, behind[0].start, rules):
                    lo, hi = behind[0].start, behind[-1].end
                    named = _entity_in(ents, lo, hi, SUBJECT_LABELS)
                    return named, (lo, hi if named is not None else _coordination_end(following, len(behind), rules, hi))
            return None, None
        if not before:
            return _after_link(text, ents, end, rules)
        lo, hi = before[0].start, before[-1].end
    return _entity_in(ents, lo, hi, SUBJECT_LABELS, ends_by=start), (lo, hi)


def _graded_head(before_words, k: int, rules: GradeRules, hops: int = 2):
    """The noun phrase ending in one of ``graded_heads`` whose complement ends at
    ``before_words[k]`` (nearest first), across one or two of ``graded_head_links`` ("*ongoing
    toxicity* from prior therapy that is > grade 1", "*toxicities* associated with prior
    chemotherapy to ≤ grade 1"), in text order; ``None`` when there is none."""
    while k < len(before_words) and before_words[k].lower in rules.graded_head_determiners:
        k += 1  # "toxicity from *such* therapy"
    j = k
    while j < len(before_words) and j - k < 2 and before_words[j].lower in rules.graded_head_links:
        j += 1  # "related to", "associated with"
    if j == k:
        return None
    head = leading_phrase(before_words[j:], rules.stops, rules.max_words)[::-1]
    if head and head[-1].lower in rules.graded_heads:
        return head
    # "*Toxicities* from prior therapy for the malignancy should resolve to grade 1": a complement
    # of the complement
    return _graded_head(before_words, j + len(head), rules, hops - 1) if head and hops > 1 else None


def _after_link(text: str, ents: Sequence[dict], end: int, rules: GradeRules):
    """With no condition before the grade, the phrase after one of ``subject_after_links``
    ("recovery to grade ≤ 1 *from* all toxicities"); else ``(None, None)``."""
    after = words_after(text, end, rules.max_words + 1)
    if not after or after[0].lower not in rules.after_links:
        return None, None
    phrase = leading_phrase(after[1:], rules.stops, rules.max_words)
    if not phrase or _names_a_grade(text, phrase[0].start, rules):
        return None, None
    lo, hi = phrase[0].start, phrase[-1].end
    return _entity_in(ents, lo, hi, SUBJECT_LABELS), (lo, hi)


def _names_a_grade(text: str, at: int, rules: GradeRules) -> bool:
    """The words at ``at`` name a grade or a grading system, not the graded condition ("stages
    III and IV *grades A-B*", "stages I-III *Bell's Classification*"): a keyword, a system's
    name, or a phrase ending in one of ``not_subject_words`` ("classification", "scale")."""
    if rules.keyword_at.match(text, at) or (rules.system_at and rules.system_at.match(text, at)):
        return True
    phrase = leading_phrase(words_after(text, at, rules.max_words), rules.stops, rules.max_words)
    return any(w.lower in rules.not_subject_words for w in phrase)


def _coordination_end(words, k: int, rules: GradeRules, end: int) -> int:
    """The end of a coordination the subject phrase ``words[:k]`` opens, when its words share the
    grade's noun ("stage I-III *colorectal, lung, or liver cancer*"): across ",", "or", "and" to
    the last phrase, within ``coordination_max`` more words, the last joiner a word ("or", "and":
    "neurotoxicity, following recovery" is no coordination); else ``end``."""
    i, last, closed = k, end, False
    while i < len(words):
        j = i
        while j < len(words) and words[j].lower in rules.coordinators:
            j += 1
        if j == i:
            break
        phrase = leading_phrase(words[j:], rules.stops, rules.max_words)
        if not phrase or j + len(phrase) > k + rules.coordination_max or phrase[0].text in rules.numerals \
                or rules.keyword_at.match(phrase[0].text) or (rules.system_at and rules.system_at.match(phrase[0].text)):
            break  # "neuropathy or grade 3 ...", "IIIB or IV NSCLC": another grade, not a shared noun
        closed = any(w.alpha for w in words[i:j])  # the last joiner is "or" / "and", not a comma alone
        i, last = j + len(phrase), phrase[-1].end
    return last if closed and (i >= len(words) or not words[i].alpha) else end


def find_grades(text: str, ents: Sequence[dict], rules: GradeRules) -> List[Grade]:
    """Every grade written in ``text`` (see the module docstring); ``ents`` are the criterion's
    sorted entity records."""
    if rules.pattern is None:
        return []
    lower = text.lower()
    if rules.cue_search is None or not rules.cue_search.any_in(lower):
        return []  # one scan for any cue, the same test as a substring test per cue
    out: List[Grade] = []
    masked = _masked(text, ents)
    if rules.gate.search(text, masked, lower):  # a keyword, or a system that needs none, before a numeral
        for m in rules.pattern.finditer(masked):
            grade = _read(m, text, ents, rules)
            if grade is not None:
                out.append(grade)
    if rules.degree_gate is None or not rules.degree_gate.search(text, lower=lower):
        return out
    taken = [g.record["span"] for g in out]
    out.extend(g for g in _degrees(text, ents, rules)
               if not any(a < g.record["span"][1] and g.record["span"][0] < b for a, b in taken))
    return out


def _degrees(text: str, ents: Sequence[dict], rules: GradeRules) -> List[Grade]:
    """Degrees of a conduction block (``degrees`` of ``configs/grades.json``): "second or third
    degree *heart block*", "Second degree or greater *heart block*", "3 grade auriculo-ventricular
    *heart block*"; the subject runs from the word after the degree to the first of ``heads``
    within ``head_reach`` words (a bracketed short form may stand between: "atrioventricular (AV)
    block"); without a head no grade ("first degree relative")."""
    if rules.degree_pattern is None:
        return []
    out: List[Grade] = []
    for m in rules.degree_pattern.finditer(text):
        values = [rules.degree_ordinals[t.lower()] for t in re.findall(r"[^\W_]+", m.group("nums"))
                  if t.lower() in rules.degree_ordinals]
        if not values:
            continue
        head_end, at = None, m.end()
        for _ in range(rules.degree_reach):
            w = re.match(r"\s+(\([^()\s]{1,12}\)|[^\W\d_][\w'’-]*)", text[at:])
            if w is None:
                break
            at += w.end()
            if w.group(1).lower() in rules.degree_heads:
                head_end = at
                break
        if head_end is None:
            continue
        s_start = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip())
        op = next((o for _, o, ws in rules.postfix if m.group("post") and _in_words(m.group("post"), ws)), None)
        lower, upper = _bounds(values, op, len(values) > 1)
        members = [i for i, e in enumerate(ents) if e["label"] in ("VALUE", "COMPARATOR")
                   and m.start() <= e["start"] and e["end"] <= m.end()]
        subj = _entity_in(ents, s_start, head_end, SUBJECT_LABELS)
        subj_ent = ents[subj] if subj is not None else None
        out.append(Grade(phrase_record(
            subject=" ".join(text[s_start:head_end].lower().split()), subject_text=text[s_start:head_end],
            subject_span=[s_start, head_end], category=CATEGORY, lower=lower, upper=upper, unit=UNIT,
            span=[m.start(), head_end], rules=[rules.degrees["id"]] + [ents[i]["rule"] for i in members],
            negated=bool(subj_ent and subj_ent.get("negated")),
            context={k: subj_ent.get(k) for k in CONTEXT_FLAGS if subj_ent and subj_ent.get(k)}), subj, members))
    return _join_alternatives(text, out)


def _join_alternatives(text: str, grades: List[Grade]) -> List[Grade]:
    """Two degrees of one subject given as alternatives in one clause are one range: "second
    degree heart block Mobitz type II *or* third degree heart block" → lower 2, upper 3."""
    out: List[Grade] = []
    for g in grades:
        prev = out[-1].record if out else None
        rec = g.record
        gap = text[prev["span"][1]:rec["span"][0]] if prev else ""
        if prev and prev["subject"] == rec["subject"] and re.search(r"\b(?:or|and|and/or)\b", gap) and not re.search(r"[;.]", gap) \
                and prev["lower"] and prev["upper"] and rec["lower"] and rec["upper"]:
            values = [b["value"] for r in (prev, rec) for b in (r["lower"], r["upper"])]
            prev["lower"], prev["upper"] = _bounds(values, None, True)
            prev["span"] = [prev["span"][0], rec["span"][1]]
            out[-1].members.extend(g.members)
            continue
        out.append(g)
    return out


def _read(m: "re.Match", text: str, ents: Sequence[dict], rules: GradeRules) -> Optional[Grade]:
    si = _which(m, "s")
    if si is None:
        si = _which(m, "t")
    system = rules.systems[si] if si is not None else None
    ki = _which(m, "k")
    keyword = rules.keywords[ki] if ki is not None else None
    if keyword is None and not (system and system.get("keyword_optional")):
        return None
    implied = None
    if keyword is not None and not keyword.get("standalone", True) and system is None:
        implied = _implied_system(text, m.end(), rules, m.start("kw"))
        if implied is None:
            return None  # "class III antiarrhythmics": a drug class
    if m.group("sys") is None and m.group("sys2") is not None and keyword is None:
        return None
    start = m.start("pre") if m.group("pre") else m.start("sys") if m.group("sys") else m.start("kw")
    if m.group("kw") and not m.group("sys"):
        prev = [i for i, e in enumerate(ents) if e["label"] == "SCORE" and e["end"] <= start
                and not text[e["end"]:start].strip()]
        if prev:
            return None  # "ECOG grade 0-1": the score's own grade
    values = _numbers(m.group("nums"), rules, system or implied)
    if values is None:
        return None
    nearby = _nearby_system(text, start, m.end(), rules) if system is None and implied is None else None
    if m.group("nums")[:1].isdigit() and any(
            e["label"] == "SCORE" and start <= e["start"] < m.start("nums") for e in ents):
        return None  # "ASA 1-3", "ASA >3": digits after a score's name stay the score's (the score step)
    many = len(values) > 1
    op, members = None, []
    for group, postfix in (("pre", False), ("mid", False), ("post", True)):
        if m.group(group) is None:
            continue
        if group == "post" and MASK not in m.group("post"):
            op = op or next(o for _, o, ws in rules.postfix if _in_words(m.group("post"), ws))
            continue
        g_op, found = _op_at(ents, m.start(group), m.end(group), postfix)
        members.extend(found)
        op = op or g_op
    end = m.end()
    if m.group("post") and MASK in m.group("post") and not _op_at(ents, m.start("post"), m.end("post"), True)[0]:
        # "toxicity > grade 2 *from* previous therapy": a comparator that bounds nothing after a grade
        end = m.end("nums")
        members = [i for i in members if ents[i]["end"] <= end or ents[i]["start"] < start]
    members.extend(i for i, e in enumerate(ents) if e["label"] in ("VALUE", "UNIT")
                   and start <= e["start"] and e["end"] <= end)
    members.extend(i for i, e in enumerate(ents) if e["label"] == "SCORE" and start <= e["start"] < end)
    lower, upper = _bounds(values, op, many)
    subject_idx, phrase = _subject(text, ents, start, end, rules)
    rule_ids = [r for r in (
        (system or implied or (nearby or (None, None))[0] or {}).get("id"), keyword["id"] if keyword else None,
        next((i for i, _, ws in rules.postfix if m.group("post") and _in_words(m.group("post"), ws)), None))
        if r]
    subj = ents[subject_idx] if subject_idx is not None else None
    fixed = (system or {}).get("subject")
    if implied is not None and implied.get("names_subject"):  # "class III or IV CHF as defined by the NYHA"
        nearby = _written_after(text, m.end(), implied, rules)
    named = _system_name(m, system) or (nearby[1] if nearby else None)
    if named is not None:  # a classification of the patient ("ASA I-II", "NYHA class III"): the system
        subj = subject_idx = None
        subject, s_span = " ".join(text[named[0]:named[1]].lower().split()), named
    elif subj is not None:
        subject, s_span = subj.get("norm") or subj["text"].lower(), (subj["start"], subj["end"])
        rule_ids.insert(0, subj["rule"])
    elif fixed:
        subject = fixed
        s_span = (m.start("sys"), m.end("sys")) if m.group("sys") else (m.start("sys2"), m.end("sys2"))
    elif phrase is not None:
        subject, s_span = text[phrase[0]:phrase[1]].lower(), phrase
    elif rules.fallback:
        subject, s_span = rules.fallback, (start, end)
    else:
        return None
    record = phrase_record(
        subject=subject, subject_text=text[s_span[0]:s_span[1]], subject_span=s_span, category=CATEGORY,
        lower=lower, upper=upper, unit=UNIT, span=[min(start, s_span[0]), max(end, s_span[1])],
        rules=rule_ids + [ents[i]["rule"] for i in sorted(set(members))],
        negated=bool(subj and subj.get("negated")),
        context={k: subj.get(k) for k in CONTEXT_FLAGS if subj and subj.get(k)})
    return Grade(record, subject_idx, sorted(set(members)))


def _implied_system(text: str, end: int, rules: GradeRules, start: Optional[int] = None) -> Optional[dict]:
    """The system a keyword that needs one implies when the condition right after the grade is
    that system's ``subject`` ("class IV *congestive heart failure*": NYHA), or, with ``start``
    (where the keyword begins), the condition right before the keyword ("*congestive heart
    failure* class III/IV"); else ``None``."""
    phrases = []
    after = leading_phrase(words_after(text, end, rules.max_words), rules.stops, rules.max_words)
    if after and not text[end:after[0].start].strip():
        phrases.append(after)
    if start is not None:
        before = leading_phrase(words_before(text, start, rules.max_words), rules.stops, rules.max_words)
        if before and not text[before[0].end:start].strip():
            phrases.append(before[::-1])
    for phrase in phrases:
        words = " ".join(w.lower for w in phrase)
        found = next((sy for sy in rules.systems if sy.get("subject") and sy["subject"].lower() in words), None)
        if found is not None:
            return found
    return None


def _written_after(text: str, end: int, system: dict, rules: GradeRules):
    """``(system, name span)`` when one of ``system``'s names is written after ``end`` within
    ``system_reach`` characters of the same clause (no ";" or "." between), else ``None``."""
    window = text[end:end + rules.system_reach]
    window = re.split(r"[;.]", window, maxsplit=1)[0]
    hits = [x for x in rules.system_at.finditer(window)] if rules.system_at else []
    for x in hits:
        if any(" ".join(n.split()).lower() == " ".join(x.group(0).split()).lower() for n in system["names"]):
            alias = ALIAS.match(text, end + x.end())  # "New York Heart Association (NYHA)": the short form
            if alias and any(alias.group(1) == n for n in system["names"]):
                return system, alias.span(1)
            return system, (end + x.start(), end + x.end())
    return None


def _nearby_system(text: str, start: int, end: int, rules: GradeRules):
    """``(system, name span)`` of a system that ``names_subject`` written beside a grade that has
    none, in the same clause: after it across ``system_links`` ("Stage 3 *on the Hoehn & Yahr*
    Classification"), or before it with only its own words and a comma between ("*Hoehn & Yahr*
    Classification of Disability, stage 1-3"); else ``None``."""
    if rules.system_at is None:
        return None
    at = end
    for w in words_after(text, end, 4):
        if w.lower not in rules.system_links:
            break
        at = w.end
    found = rules.system_at.match(text, at + len(text[at:]) - len(text[at:].lstrip()))
    if found is None:
        lo = max(0, start - rules.system_reach)
        before = [x for x in rules.system_at.finditer(text, lo, start)]
        found = before[-1] if before else None
        if found is not None and (re.search(r"[;.()]|\d|\b[IVX]+\b", text[found.end():start])
                                  or rules.standalone_at.search(text, found.end(), start)):
            found = None
    if found is None:
        return None
    name = found.group(0)
    system = next((sy for sy in rules.systems if any(" ".join(n.split()).lower() == " ".join(name.split()).lower()
                                                    for n in sy["names"])), None)
    if system is None or not system.get("names_subject"):
        return None
    return system, found.span()


def _system_name(m: "re.Match", system: Optional[dict]) -> Optional[Tuple[int, int]]:
    """The span of the system's name when the system ``names_subject``, else ``None``: its
    bracketed short form when one follows the long name (the words nearest the grade: "New York
    Heart Association (*NYHA*) class III"), else the name as written (not its version)."""
    if not system or not system.get("names_subject"):
        return None
    for name, value in m.groupdict().items():
        if value is not None and name[0] in "st" and name[1:].isdigit():
            if name[0] == "s":  # "American Society of Anesthesiologists (ASA) I-II": the short form is nearest
                alias = ALIAS.match(m.string, m.end(name), m.end("sys"))
                if alias and any(alias.group(1) == n for n in system["names"]):
                    return alias.span(1)
            return m.span(name)
    return None


def _in_words(text: str, words: Sequence[str]) -> bool:
    norm = " ".join(text.split()).lower()
    return norm in {" ".join(w.split()).lower() for w in words}
