"""Photo benchmark: reading facts, and the public copy vs a naive pipeline, in one run.

    python -m bench.photo_bench            # from the repo root

A 12 MP JPEG (4000x3000, EXIF GPS + orientation 6, quality 90) is generated once. Each variant
runs in its own worker process (a fresh interpreter), started by its own measuring process that
reads the worker's peak RSS from ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: tracemalloc cannot
see Pillow's C allocations. Workers get the package through PYTHONPATH (never sys.path edits).
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
READ_REPEAT = 200
DERIVE_REPEAT = 7
VARIANTS = ("baseline", "read", "derive", "naive")


BENCH_POINT = (0.73367, 124.315)  # where make_test_jpeg's GPS points: central Kotamobagu


def make_test_jpeg(
    width: int = 4000, height: int = 3000, taken_at: datetime | None = None
) -> bytes:
    """A photo-like 12 MP JPEG: gradients plus sensor-like noise, EXIF GPS at BENCH_POINT,
    orientation 6, taken at ``taken_at`` (default 2024-05-01 09:02:03 WITA)."""
    from PIL import Image

    wita = timezone(timedelta(hours=8))
    taken = (taken_at or datetime(2024, 5, 1, 9, 2, 3, tzinfo=wita)).astimezone(wita)

    ramp = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    img = Image.merge(
        "RGB", (ramp, Image.blend(ramp.transpose(Image.Transpose.ROTATE_180), noise, 0.4), noise)
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Bench"
    exif.get_ifd(0x8825).update(
        {
            1: "N",
            2: (0.0, 44.0, 1.2),
            3: "E",
            4: (124.0, 18.0, 54.0),
            29: taken.strftime("%Y:%m:%d"),
            7: (1.0, 2.0, 3.0),
        }
    )
    exif.get_ifd(0x8769).update({0x9003: taken.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Worker side (runs in a fresh interpreter)


def _naive(data: bytes) -> tuple[bytes, bytes]:
    """Full decode, exif_transpose, thumbnail() to 1600 then 320, save both."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        img = ImageOps.exif_transpose(opened)
    img.thumbnail((1600, 1600))
    public = io.BytesIO()
    img.save(public, "JPEG", quality=82)
    img.thumbnail((320, 320))
    thumb = io.BytesIO()
    img.save(thumb, "JPEG", quality=78)
    return public.getvalue(), thumb.getvalue()


def _worker(variant: str, path: str) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from sikemas.photo import derive_public_images, read_photo

    data = Path(path).read_bytes()
    tz = ZoneInfo("Asia/Makassar")

    def read() -> object:
        facts = read_photo(data, tz)
        assert facts.gps is not None, facts
        return facts

    def derive() -> object:
        read_photo(data, tz)
        return derive_public_images(data)

    def naive() -> object:
        return _naive(data)

    def baseline() -> object:
        from PIL import Image  # imports and the bytes in memory, no work

        return Image

    run = {"baseline": baseline, "read": read, "derive": derive, "naive": naive}[variant]
    repeat = READ_REPEAT if variant == "read" else DERIVE_REPEAT
    run()  # warm up: imports, first-use costs
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return {"variant": variant, "median_ms": statistics.median(times), "runs": repeat}


def _measure(variant: str, path: str) -> dict[str, Any]:
    """Start one worker and report its result with its peak RSS (this process's only child)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers" / "sikemas")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.photo_bench", "--worker", variant, path],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    # ru_maxrss is in KiB on Linux.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


# --------------------------------------------------------------------------------------------
# Driver


def run() -> list[tuple[str, float, str]]:
    """Run every variant; rows of (what, value, unit)."""
    data = make_test_jpeg()
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        results = {}
        for variant in VARIANTS:
            # A fresh measuring process per variant, so RUSAGE_CHILDREN holds that worker only.
            done = subprocess.run(
                [sys.executable, "-m", "bench.photo_bench", "--measure", variant, path],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
            )
            results[variant] = json.loads(done.stdout)
    finally:
        Path(path).unlink(missing_ok=True)
    base = results["baseline"]["peak_rss_mb"]
    rows = [
        ("12 MP JPEG size", len(data) / 1e6, "MB"),
        ("read type+GPS+time (median)", results["read"]["median_ms"], "ms"),
        ("derive: read + public + thumbnail (median)", results["derive"]["median_ms"], "ms"),
        ("naive: decode + transpose + thumbnail (median)", results["naive"]["median_ms"], "ms"),
        (
            "speed-up derive vs naive",
            results["naive"]["median_ms"] / results["derive"]["median_ms"],
            "x",
        ),
        ("peak RSS baseline (interpreter + Pillow + bytes)", base, "MB"),
        ("peak RSS derive", results["derive"]["peak_rss_mb"], "MB"),
        ("peak RSS naive", results["naive"]["peak_rss_mb"], "MB"),
        ("peak RSS derive above baseline", results["derive"]["peak_rss_mb"] - base, "MB"),
        ("peak RSS naive above baseline", results["naive"]["peak_rss_mb"] - base, "MB"),
    ]
    return rows


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "--worker":
        print(json.dumps(_worker(args[1], args[2])))
        return
    if len(args) == 3 and args[0] == "--measure":
        print(json.dumps(_measure(args[1], args[2])))
        return
    print("photo bench (each variant in a fresh process)")
    for what, value, unit in run():
        print(f"  {what:<52} {value:9.2f} {unit}")


if __name__ == "__main__":
    main()
