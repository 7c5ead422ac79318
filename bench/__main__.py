"""``make bench``: cold starts against their baselines, the photo pipeline against a naive one,
and the local stack as reports pile up against moto as it comes, in one run."""

from __future__ import annotations

from bench import cold_start, local_stack, photo_bench


def main() -> None:
    cold_start.main()
    print()
    photo_bench.main([])
    print()
    local_stack.main([])


if __name__ == "__main__":
    main()
