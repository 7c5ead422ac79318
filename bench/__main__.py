"""``make bench``: cold starts against their baselines, then the photo pipeline against a naive
one, in one run."""

from __future__ import annotations

from bench import cold_start, photo_bench


def main() -> None:
    cold_start.main()
    print()
    photo_bench.main([])


if __name__ == "__main__":
    main()
