"""How a tie between two contacts is scored and typed (pure functions, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from muninn_integrations.contacts.models import ContactPerson

# Free and consumer mail: two people on gmail.com are not colleagues for it.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "rocketmail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "zoho.com",
        "mail.com",
        "email.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "sapo.pt",
        "libero.it",
        "mail.ru",
        "inbox.ru",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "hanmail.net",
        "comcast.net",
        "verizon.net",
        "att.net",
        "btinternet.com",
        "sky.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "rediffmail.com",
        "duck.com",
        "posteo.de",
        "mailbox.org",
    }
)
# Providers with a domain per country (gmx.de, yahoo.co.uk, hotmail.fr…).
PUBLIC_PROVIDERS = frozenset(
    {"gmx", "yahoo", "hotmail", "outlook", "live", "yandex", "aol", "gmail", "icloud"}
)
MAX_EVIDENCE = 50
SATURATION = 3.0


def is_public_domain(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    if domain in PUBLIC_DOMAINS:
        return True
    labels = domain.split(".")
    # 'gmx.de', 'yahoo.co.uk': the provider's name then a country's suffix (one or two labels).
    return 2 <= len(labels) <= 3 and labels[0] in PUBLIC_PROVIDERS


def company_key(company: str | None) -> str | None:
    if not company:
        return None
    key = " ".join(company.casefold().split())
    return key or None


def work_domains(person: ContactPerson) -> set[str]:
    return {d for d in person.email_domains if not is_public_domain(d)}


def inferred_type(one: ContactPerson, other: ContactPerson) -> str:
    """``colleague`` when both work at the same company (its name, or a shared e-mail domain
    that is not free mail); anything closer only the user can say."""
    company = company_key(one.company)
    if company is not None and company == company_key(other.company):
        return "colleague"
    if work_domains(one) & work_domains(other):
        return "colleague"
    return "acquaintance"


def tie_strength(
    shared: int, last_evidence_at: datetime | None, now: datetime, half_life_days: float
) -> float:
    """``1 - e^(-n/3)`` for ``n`` shared meetings and e-mails, halved by each half-life of
    silence since the last one."""
    if shared <= 0 or last_evidence_at is None:
        return 0.0
    volume = 1.0 - math.exp(-shared / SATURATION)
    days = max(0.0, (now - last_evidence_at).total_seconds() / 86_400)
    return round(volume * float(0.5 ** (days / half_life_days)), 6)


def ordered(one: str, other: str) -> tuple[str, str]:
    return (one, other) if one < other else (other, one)


def pairs(contact_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of distinct ids, each once and ordered (a < b)."""
    ids = sorted(set(contact_ids))
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
