"""Claims benchmarks (issue 5): fast-track decision time, photo intake with OCR, and claim-stage
cycle times from a simulated month.

Each step builds its own database and world, so ``--only`` runs any one of them alone:

* ``claims fast track``: ``fast_track.decide`` on claims that are reported and priced but not yet
  decided, one transaction per claim, on a world with a few thousand earlier claims. Baseline:
  the pure rule evaluation ``risk.evaluate(facts)`` of the same claims. SQLite always,
  PostgreSQL too when one answers (``postgres_url()`` in run.py).
* ``claims photo intake``: ``photos.intake`` plus OCR of the cleaned copy (what
  ``fnol.read_vehicle`` does per photo) on synthetic 4032×3024 and 1920×1080 camera JPEGs with a
  rendered plate serial and VIN. Baseline: Pillow's raw decode of the same JPEG.
* ``claims cycle``: ``claims.demo.simulate`` over the real services, then
  ``claims.service.metrics.compute``. Human-step delays are ``HandlingModel`` assumptions; the
  automated steps are what the code does. Baseline: the report's 72-hour average claim cycle.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageFont, TiffImagePlugin
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import seed_demo_accounts
from carecover.claims import demo
from carecover.claims.enums import (
    ClaimSource,
    ClaimStatus,
    EstimateKind,
    EstimateStatus,
    EventKind,
)
from carecover.claims.models import Claim, RepairOrder
from carecover.claims.service import (
    assessment,
    fast_track,
    fnol,
    metrics,
    ocr,
    photos,
    risk,
    timeline,
)
from carecover.entrypoints.seed.world import WorldSpec, link_demo_owners, seed_world
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.cn.vin import with_check_digit
from carecover.platform.context import Actor
from carecover.platform.crypto import FieldRef, get_cipher
from carecover.platform.db import migrate
from carecover.platform.db.session import Database
from carecover.platform.geo.cities import city_by_adcode
from carecover.policies.models import Policy

Result = dict[str, Any]
ResultFn = Callable[[str, float, str, str, float, str], Result]
FreshPg = Callable[[str, str], str]

WORLD_CUSTOMERS = 3000
WORLD_CITIES = 3
EARLIER_CLAIMS = 3000
"""Claim rows already in the table (spread over 18 months) before the benchmarked claims."""
EARLIER_DAYS = 540
PHOTO_LIMIT = 15 << 20
DECISION_TARGET_MS = 200.0
LEMONADE_MS = 3_000.0
"""Lemonade's "AI Jim" 3-second claim (performance.md §8)."""
REPORT_FAST_PAY_MS = 3_600_000.0
"""The report's small-claim line: paid within 1 hour (MISSION.md A3)."""
PHOTO_TARGET_MS = 2_000.0
REPORT_CYCLE_HOURS = 72.0
"""The report's average claim cycle; A4 targets −50% (MISSION.md)."""
LEMONADE_NO_HUMAN_PCT = 30.0
"""Share of Lemonade claims handled with no human, 2021 (secondary source, performance.md §8)."""


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = q * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def summary(values: Sequence[float], digits: int = 3) -> dict[str, float | int]:
    return {
        "n": len(values),
        "p50": round(pct(values, 0.50), digits),
        "p95": round(pct(values, 0.95), digits),
        "p99": round(pct(values, 0.99), digits),
        "max": round(max(values), digits),
        "mean": round(statistics.fmean(values), digits),
    }


def _with(r: Result, details: dict[str, Any]) -> Result:
    r["details"] = details
    return r


def load_average() -> float:
    """The 1-minute load average: other work on the 2 cores shows up in every timing here."""
    return round(os.getloadavg()[0], 2)


# --- a world -------------------------------------------------------------------------------------


def _fresh_sqlite(name: str) -> str:
    path = Path(tempfile.mkdtemp(prefix=f"cc-{name}-")) / f"{name}.db"
    return f"sqlite:///{path}"


def build_world(url: str, *, customers: int = WORLD_CUSTOMERS, seed: int = 2026) -> Database:
    """What ``carecover seed --demo --customers N --cities 3`` builds (accounts, world, linked
    demo owners), without the demo parts and the demo's own simulated claims."""
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session, session.begin():
        seed_demo_accounts(session, Actor.system())
        spec = WorldSpec(customers=customers, cities=WORLD_CITIES, seed=seed, now=utc_now())
        seed_world(session, spec, processes=1)
        link_demo_owners(session)
    return db


def _staff(session: Session, role: Role) -> Actor:
    user = session.scalars(select(User).where(User.role == role, User.is_active.is_(True))).first()
    if user is None:
        raise LookupError(f"no active {role.value} account")
    return Actor(user.id, role, None, "bench", None)


def add_earlier_claims(session: Session, count: int, reporter: uuid.UUID, seed: int) -> int:
    """``count`` settled claim rows on random cars of the world over the last 18 months, so the
    fast track's "frequent claims" count runs against a realistic table (claim rows only)."""
    rng = random.Random(f"{seed}:earlier")
    cars = session.execute(select(Policy.id, Policy.vehicle_id, Policy.holder_id)).all()
    now = utc_now()
    cipher = get_cipher()
    rows: list[dict[str, Any]] = []
    for n in range(count):
        policy_id, vehicle_id, holder_id = rng.choice(cars)
        claim_id = uuid.uuid4()
        occurred = now - timedelta(seconds=rng.uniform(86_400, EARLIER_DAYS * 86_400))
        fast = rng.random() < 0.7
        rows.append(
            {
                "id": claim_id,
                "claim_no": f"CLBENCH{n:08d}",
                "policy_id": policy_id,
                "vehicle_id": vehicle_id,
                "customer_id": holder_id,
                "reported_by": reporter,
                "idempotency_key": f"bench-earlier-{n:06d}",
                "source": ClaimSource.owner_app,
                "status": ClaimStatus.paid,
                "occurred_at": occurred,
                "reported_at": occurred + timedelta(hours=1),
                "description_enc": cipher.encrypt(
                    "earlier claim", FieldRef("claims", "description_enc", str(claim_id))
                ),
                "other_parties": 0,
                "flags": [],
                "ocr": {},
                "reasons": [],
                "estimate_fen": rng.randrange(50_000, 900_000),
                "approved_fen": rng.randrange(50_000, 400_000),
                "fast_track": fast,
                "disputed": False,
                "decided_at": occurred + timedelta(hours=1, minutes=20),
                "paid_at": occurred + timedelta(hours=2 if fast else 30),
            }
        )
    session.execute(insert(Claim), rows)
    return count


def _items(rng: random.Random) -> list[dict[str, str]]:
    """The simulation's damage mix (30% large)."""
    if rng.random() < demo.HandlingModel().large_share:
        picked = rng.choice(demo.LARGE_DAMAGE)
        return [{"part": p, "damage": d, "severity": s} for p, d, s in picked]
    part, damage = rng.choice(demo.SMALL_DAMAGE)
    return [{"part": part, "damage": damage, "severity": rng.choice(("light", "moderate"))}]


def reported_and_priced(session: Session, actor: Actor, claims: int, seed: int) -> list[uuid.UUID]:
    """Claims reported with a photo and given their estimate — ``assessment.assess`` up to, not
    including, its call of ``fast_track.decide`` — so they wait for a decision."""
    rng = random.Random(f"{seed}:priced")
    now = utc_now()
    ids: list[uuid.UUID] = []
    for n, (policy, customer) in enumerate(demo.insured_cars(session, claims, seed)):
        city = city_by_adcode(customer.city_adcode) if customer.city_adcode else None
        lat, lng = (city.point.lat, city.point.lng) if city else (31.2304, 121.4737)
        data = fnol.FnolInput(
            vehicle_id=policy.vehicle_id,
            occurred_at=now - timedelta(hours=1),
            description="基准测试 benchmark claim",
            idempotency_key=f"bench-ft-{seed}-{n:06d}",
            lat=round(lat + rng.uniform(-0.05, 0.05), 6),
            lng=round(lng + rng.uniform(-0.05, 0.05), 6),
        )
        claim, _ = fnol.report(
            session, actor, data, [demo.demo_photo(seed * 100_000 + n)], max_photo_bytes=PHOTO_LIMIT
        )
        items = assessment.parse_items(_items(rng))
        priced = assessment.price(session, claim, items)
        row = assessment.store(
            session,
            claim,
            actor,
            priced,
            items,
            kind=EstimateKind.assessment,
            status=EstimateStatus.superseded,
        )
        assessment.make_current(session, claim, row)
        claim.assessed_at = row.created_at
        timeline.record(
            session,
            claim,
            EventKind.assessed,
            actor,
            {"estimate_seq": row.seq, "total_fen": row.total_fen, "lines": len(row.lines)},
        )
        ids.append(claim.id)
    session.flush()
    return ids


# --- 1. fast-track decision time -----------------------------------------------------------------


def _decide_on(db: Database, claims: int, seed: int) -> dict[str, Any]:
    with db.session() as session, session.begin():
        ops = _staff(session, Role.customer_ops)
        earlier = add_earlier_claims(session, EARLIER_CLAIMS, ops.user_id or uuid.uuid4(), seed)
        ids = reported_and_priced(session, ops, claims, seed)
    decide_ms: list[float] = []
    committed_ms: list[float] = []
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for claim_id in ids:
        with db.session() as session:
            with session.begin():
                claim = session.get(Claim, claim_id)
                assert claim is not None
                assert claim.status is ClaimStatus.reported
                start = time.perf_counter()
                verdict = fast_track.decide(session, ops, claim)
                decided = time.perf_counter()
            committed = time.perf_counter()
        decide_ms.append((decided - start) * 1000)
        committed_ms.append((committed - start) * 1000)
        outcomes["fast_tracked" if verdict.eligible else "referred"] += 1
        reasons.update(r.code for r in verdict.reasons)
    # The baseline: the rules alone, on the very same claims' facts (gathered untimed). The
    # facts query is timed too, each in a fresh session, to split decide into reads and writes.
    rules = risk.FastTrackRules()
    gathered: list[risk.ClaimFacts] = []
    facts_ms: list[float] = []
    for claim_id in ids:
        with db.session() as session:
            claim = session.get(Claim, claim_id)
            assert claim is not None
            start = time.perf_counter()
            gathered.append(fast_track.facts(session, claim, rules))
            facts_ms.append((time.perf_counter() - start) * 1000)
    evaluate_ms: list[float] = []
    for _ in range(20):
        for facts in gathered:
            start = time.perf_counter()
            risk.evaluate(facts, rules)
            evaluate_ms.append((time.perf_counter() - start) * 1000)
    return {
        "earlier_claims": earlier,
        "decide": decide_ms,
        "decide_and_commit": committed_ms,
        "facts": facts_ms,
        "evaluate": evaluate_ms,
        "outcomes": dict(outcomes),
        "reasons": dict(reasons.most_common()),
    }


def bench_fast_track(
    result: ResultFn,
    pg_url: str | None,
    fresh_pg: FreshPg,
    *,
    claims: int = 300,
    seed: int = 5,
) -> list[Result]:
    out: list[Result] = []
    backends = [("sqlite", _fresh_sqlite("claims-ft"))]
    if pg_url is not None:
        backends.append(("postgres", fresh_pg(pg_url, "cc_bench_claims")))
    for backend, url in backends:
        started = time.perf_counter()
        load_before = load_average()
        db = build_world(url)
        run = _decide_on(db, claims, seed)
        db.dispose()
        decide, evaluate = run["decide"], run["evaluate"]
        details = {
            "backend": backend,
            "claims_decided": len(decide),
            "world_customers": WORLD_CUSTOMERS,
            "earlier_claims_in_table": run["earlier_claims"],
            "decide_ms": summary(decide),
            "decide_and_commit_ms": summary(run["decide_and_commit"]),
            "facts_query_ms": summary(run["facts"]),
            "evaluate_us": summary([v * 1000 for v in evaluate]),
            "outcomes": run["outcomes"],
            "reasons": run["reasons"],
            "targets_ms": {
                "p95": DECISION_TARGET_MS,
                "lemonade_3s": LEMONADE_MS,
                "report_1h": REPORT_FAST_PAY_MS,
            },
            "p95_share_of_lemonade_3s": round(pct(decide, 0.95) / LEMONADE_MS, 5),
            "p95_share_of_report_1h": round(pct(decide, 0.95) / REPORT_FAST_PAY_MS, 8),
            "what": (
                "fast_track.decide per claim in its own transaction (policy, cover, earlier-"
                "claims count, flags, all rules, decision written and anchored, payout "
                "instructed); photo checks excluded (done at report time); value excludes the "
                "commit, decide_and_commit_ms includes it"
            ),
            "step_seconds": round(time.perf_counter() - started, 1),
            "load_average_1m": {"before": load_before, "after": load_average()},
        }
        target = (
            f"p95 < {DECISION_TARGET_MS:.0f} ms; anchors: Lemonade 3 s, the report's 1 h "
            "(3,600,000 ms)"
        )
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            out.append(
                _with(
                    result(
                        f"claims_fast_track_decide_{label}_{backend}",
                        pct(decide, q),
                        "ms",
                        f"risk.evaluate(facts) alone, {label}",
                        pct(evaluate, q),
                        target,
                    ),
                    details,
                )
            )
    return out


# --- 2. photo intake with OCR --------------------------------------------------------------------

BASE_VIN = "LSVAU2180N2183294"  # check digit recomputed per photo; N: model year 2022


def _vin(rng: random.Random) -> str:
    return with_check_digit(BASE_VIN[:11] + f"{rng.randrange(1_000_000):06d}")


def _rationals(*values: tuple[int, int]) -> tuple[TiffImagePlugin.IFDRational, ...]:
    return tuple(TiffImagePlugin.IFDRational(a, b) for a, b in values)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    degrees = int(value)
    minutes_f = (value - degrees) * 60
    minutes = int(minutes_f)
    seconds = round((minutes_f - minutes) * 60 * 1000)
    return ((degrees, 1), (minutes, 1), (seconds, 1000))


def _camera_exif(taken: datetime, lat: float, lng: float) -> Image.Exif:
    """What a phone writes: make, model, capture time with its offset, GPS."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchPhone"
    exif[ExifTags.Base.Model] = "12MP main camera"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    local = taken.astimezone(timezone(timedelta(hours=8)))
    sub[ExifTags.Base.DateTimeOriginal] = local.strftime("%Y:%m:%d %H:%M:%S")
    sub[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = _rationals(*_dms(lat))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = _rationals(*_dms(lng))
    return exif


_NOISE: dict[tuple[int, int], np.ndarray[Any, np.dtype[np.int16]]] = {}


def camera_jpeg(size: tuple[int, int], seed: int, serial: str, vin: str, taken: datetime) -> bytes:
    """A synthetic damage photo: lit gradient, body panels, sensor noise (so the JPEG is about
    as large as a phone's), a light plate panel with the serial and a VIN label."""
    width, height = size
    rng = random.Random(seed)
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    start = np.array([rng.randint(60, 130) for _ in range(3)], dtype=np.float32)
    slope = np.array([rng.randint(-40, 80) for _ in range(3)], dtype=np.float32)
    pixels = np.clip(start + x * slope + y * slope[::-1], 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randint(width // 20, width // 3), y0 + rng.randint(40, height // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.rectangle if rng.random() < 0.6 else draw.ellipse)(
            box, fill=colour, outline=(20, 20, 20), width=max(2, width // 800)
        )
    font = ImageFont.load_default(size=width // 30)
    for row, text in enumerate((serial, vin)):
        left = width // 6 + rng.randrange(width // 8)
        top = height // 2 + row * (width // 12)
        right = draw.textbbox((left, top), text, font=font)[2]
        pad = width // 60
        draw.rectangle(
            (left - pad, top - pad // 2, right + pad, top + width // 30 + pad),
            fill=(232, 236, 226),
            outline=(30, 30, 30),
            width=max(2, width // 600),
        )
        draw.text((left, top), text, fill=(25, 25, 30), font=font)
    noise = _NOISE.get(size)
    if noise is None:
        noise = np.random.default_rng(2026).integers(-9, 10, (height, width, 3), dtype=np.int16)
        _NOISE[size] = noise
    noisy = np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    point = (31.2304, 121.4737)
    Image.fromarray(noisy, "RGB").save(
        out, "JPEG", quality=92, exif=_camera_exif(taken, *point).tobytes()
    )
    return out.getvalue()


def _one_photo(
    data: bytes, reader: ocr.TextReader, reported_at: datetime
) -> tuple[float, float, ocr.VehicleText]:
    """(intake ms, OCR ms) for one upload — OCR on the cleaned copy, as ``fnol.read_vehicle``."""
    start = time.perf_counter()
    taken = photos.intake(
        data,
        reported_at=reported_at,
        reported_point=(31.2304, 121.4737),
        max_bytes=PHOTO_LIMIT,
    )
    mid = time.perf_counter()
    with Image.open(io.BytesIO(taken.cleaned)) as image:
        found = ocr.read_vehicle_text(reader, image.convert("RGB"))
    end = time.perf_counter()
    return (mid - start) * 1000, (end - mid) * 1000, found


def _pillow_decode_ms(data: bytes) -> float:
    start = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    return (time.perf_counter() - start) * 1000


def bench_photo_intake(result: ResultFn, *, photos_per_size: int = 30) -> list[Result]:
    started = time.perf_counter()
    load_before = load_average()
    reported_at = utc_now() - timedelta(hours=1)
    taken = reported_at + timedelta(minutes=10)
    rng = random.Random(2026)
    sizes = ((4032, 3024), (1920, 1080))
    sets: dict[tuple[int, int], list[tuple[bytes, str, str]]] = {}
    for size in sizes:
        batch = []
        for n in range(photos_per_size + (1 if size == sizes[0] else 0)):
            serial = f"A{rng.randrange(10_000, 100_000)}"
            vin = _vin(rng)
            batch.append((camera_jpeg(size, n, serial, vin, taken), serial, vin))
        sets[size] = batch
    generated = time.perf_counter()
    reader = ocr.get_reader("rapidocr")
    assert reader is not None
    includes_import = "rapidocr" not in sys.modules
    first_data = sets[sizes[0]].pop(0)[0]
    f_intake, f_ocr, _ = _one_photo(first_data, reader, reported_at)
    first_ms = f_intake + f_ocr
    out: list[Result] = []
    warm_p50: dict[tuple[int, int], float] = {}
    for size in sizes:
        intake_ms, ocr_ms, total_ms, decode_ms = [], [], [], []
        plates_read = vins_read = 0
        sizes_bytes = []
        for data, serial, vin in sets[size]:
            decode_ms.append(_pillow_decode_ms(data))
            i_ms, o_ms, found = _one_photo(data, reader, reported_at)
            intake_ms.append(i_ms)
            ocr_ms.append(o_ms)
            total_ms.append(i_ms + o_ms)
            plates_read += serial in found.plates
            vins_read += vin in found.vins
            sizes_bytes.append(len(data))
        label = f"{size[0]}x{size[1]}"
        warm_p50[size] = pct(total_ms, 0.5)
        details = {
            "photos": len(total_ms),
            "jpeg_bytes_mean": round(statistics.fmean(sizes_bytes)),
            "total_ms": summary(total_ms, 1),
            "intake_ms": summary(intake_ms, 1),
            "ocr_ms": summary(ocr_ms, 1),
            "pillow_decode_ms": summary(decode_ms, 1),
            "load_average_1m": {"before": load_before, "after": load_average()},
            "plate_serial_read": f"{plates_read}/{len(total_ms)}",
            "vin_read": f"{vins_read}/{len(total_ms)}",
            "what": (
                "photos.intake (sniff, header checks, decode, EXIF, quality, hashes, EXIF-free "
                "re-encode) + OCR of the cleaned copy (open, RGB, downscale to 1280, rapidocr "
                "det/cls/rec, plate/VIN extraction), warm engine, sequential; JPEG q92 with "
                "EXIF time and GPS; the first call is reported separately"
            ),
        }
        target = f"p95 < {PHOTO_TARGET_MS:,.0f} ms per photo on this 2-core machine"
        for q, name in ((0.5, "p50"), (0.95, "p95")):
            out.append(
                _with(
                    result(
                        f"claims_photo_intake_ocr_{name}_{label}",
                        pct(total_ms, q),
                        "ms",
                        f"Pillow Image.open().load() of the same JPEG, {name}",
                        pct(decode_ms, q),
                        target,
                    ),
                    details,
                )
            )
    first_label = f"{sizes[0][0]}x{sizes[0][1]}"
    out.append(
        _with(
            result(
                f"claims_photo_intake_ocr_first_call_{first_label}",
                first_ms,
                "ms",
                f"the same path warm, p50 ({first_label})",
                warm_p50[sizes[0]],
                "no target: one-off per process (OCR model load: rapidocr det/cls/rec ONNX)",
            ),
            {
                "intake_ms": round(f_intake, 1),
                "ocr_with_model_load_ms": round(f_ocr, 1),
                "includes_rapidocr_import": includes_import,
                "photo_generation_s": round(generated - started, 1),
                "step_seconds": round(time.perf_counter() - started, 1),
            },
        )
    )
    return out


# --- 3. claim-stage cycle times from a simulated month -------------------------------------------


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 3600


def bench_cycle(result: ResultFn, *, claims: int = 300, seed: int = 11) -> list[Result]:
    started = time.perf_counter()
    load_before = load_average()
    db = build_world(_fresh_sqlite("claims-cycle"))
    now = utc_now()
    model = demo.HandlingModel()
    with db.session() as session, session.begin():
        sim = demo.simulate(session, claims=claims, seed=seed, now=now, model=model)
    simulated = time.perf_counter()
    with db.session() as session:
        m = metrics.compute(session, days=31, now=now)
        rows = session.scalars(select(Claim).where(Claim.id.in_(sim.claim_ids))).all()
        repaired = set(session.scalars(select(RepairOrder.claim_id)))
        groups: dict[str, list[float]] = {"fast_track": [], "desk_cash": [], "desk_repair": []}
        for c in rows:
            hours = _hours(c.reported_at, c.paid_at)
            if hours is None:
                continue
            if c.fast_track:
                groups["fast_track"].append(hours)
            else:
                groups["desk_repair" if c.id in repaired else "desk_cash"].append(hours)
    db.dispose()
    desk = groups["desk_cash"] + groups["desk_repair"]
    everyone = groups["fast_track"] + desk
    stages = {
        s.stage: {"count": s.count, "p50_hours": s.p50_hours, "p90_hours": s.p90_hours}
        for s in m.stages
    }

    def rounded(values: list[float]) -> dict[str, float | int] | None:
        return summary(values, 2) if values else None

    details = {
        "simulated": (
            "every timestamp is on demo.simulate's simulated clock: the human-step delays "
            "(owner assessing, desk pickup and handling, shop choice and acceptance, repair "
            "length around the shop's planned days, payment settlement) are HandlingModel "
            "assumptions, not measurements, and an automated fast-track decision is laid out "
            "as 200 ms after the assessment (its measured time is assess_with_decide_ms). The "
            "automated steps (report, photo checks, pricing, fast-track rules, payout "
            "instruction, desk decision, shop routing, milestones) ran through the real code "
            "and decide which path each claim takes"
        ),
        "handling_model_minutes": dataclasses.asdict(model),
        "claims": sim.claims,
        "fast_tracked": sim.fast_tracked,
        "referred": sim.referred,
        "repaired": sim.repaired,
        "metrics": {
            "reported": m.reported,
            "decided": m.decided,
            "paid": m.paid,
            "fast_track_rate": round(m.fast_track_rate or 0.0, 4),
            "touchless_rate": round(m.touchless_rate or 0.0, 4),
            "dispute_rate": round(m.dispute_rate or 0.0, 4),
            "in_desk": m.in_desk,
        },
        "stages_hours": stages,
        "report_to_paid_hours": {
            "all": rounded(everyone),
            "fast_track": rounded(groups["fast_track"]),
            "desk": rounded(desk),
            "desk_cash": rounded(groups["desk_cash"]),
            "desk_repair": rounded(groups["desk_repair"]),
        },
        "report_to_paid_mean_hours_vs_72h_average": (
            round(statistics.fmean(everyone) / REPORT_CYCLE_HOURS, 4) if everyone else None
        ),
        "assess_with_decide_ms": summary(sim.decision_ms, 1),
        "simulate_seconds": round(simulated - started, 1),
        "load_average_1m": {"before": load_before, "after": load_average()},
    }
    base_name = "the report's average claim cycle (72 h)"
    target = "≤ 36 h (A4: −50% of 72 h); simulated clock: human delays from HandlingModel"
    out = [
        _with(
            result(
                f"claims_cycle_report_to_paid_p50_{group}",
                pct(values, 0.5),
                "h",
                base_name,
                REPORT_CYCLE_HOURS,
                target + ("; fast track: paid within 1 h (A3)" if group == "fast_track" else ""),
            ),
            details,
        )
        for group, values in (
            ("all", everyone),
            ("fast_track", groups["fast_track"]),
            ("desk", desk),
        )
        if values
    ]
    for stage in metrics.STAGES:
        s = stages[stage]
        if stage == "report_to_pay" or s["p50_hours"] is None:  # the report_to_paid records
            continue
        out.append(
            _with(
                result(
                    f"claims_stage_{stage}_p50",
                    float(s["p50_hours"]),
                    "h",
                    base_name,
                    REPORT_CYCLE_HOURS,
                    f"p90 {s['p90_hours']} h over {s['count']} claims; simulated clock "
                    "(HandlingModel)",
                ),
                {"stage": stage, **s},
            )
        )
    for name, value in (
        ("claims_fast_track_rate", m.fast_track_rate),
        ("claims_touchless_rate", m.touchless_rate),
    ):
        out.append(
            _with(
                result(
                    name,
                    100 * (value or 0.0),
                    "%",
                    "Lemonade's no-human share, 2021 (~30%, secondary)",
                    LEMONADE_NO_HUMAN_PCT,
                    "no target; depends on the simulated damage mix (30% large) and rules",
                ),
                {"claims": sim.claims, "decided": m.decided, "paid": m.paid},
            )
        )
    return out


__all__ = ["bench_cycle", "bench_fast_track", "bench_photo_intake"]
